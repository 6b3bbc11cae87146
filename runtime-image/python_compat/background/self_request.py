"""Requests the runtime sends its own app as the platform (warmup, cron): to 127.0.0.1:PORT, with the internal
token, so the app sees them as App Engine's own traffic and no client can forge them."""

import errno
import httplib
import logging
import socket
import time

from python_compat.wire import internal_token

log = logging.getLogger(__name__)
# Failures that mean no worker is serving yet (still starting, or restarting): worth trying again.
_NOT_LISTENING_ERRNOS = (errno.ECONNREFUSED, errno.ECONNRESET)
RETRY_INTERVAL_SECONDS = 0.2


def send_internal_request(port, method, path, headers=(), timeout=600, connect_patience=60):
    """Sends one request to the app and returns its HTTP status (the body is read and dropped), or None when no
    answer came (the reason is logged). While no worker is listening, tries again for up to `connect_patience`
    seconds; `timeout` bounds each attempt's wait for the answer."""
    sent_headers = dict(headers)
    sent_headers[internal_token.HEADER] = internal_token.token()
    give_up = time.time() + connect_patience
    while True:
        connection = httplib.HTTPConnection('127.0.0.1', port, timeout=timeout)
        try:
            connection.request(method, path, headers=sent_headers)
            response = connection.getresponse()
            response.read()
            return response.status
        except (socket.error, httplib.BadStatusLine) as error:
            not_listening = isinstance(error, httplib.BadStatusLine) or error.errno in _NOT_LISTENING_ERRNOS
            if not not_listening or time.time() >= give_up:
                log.error('%s %s got no answer: %s', method, path, error)
                return None
        except httplib.HTTPException as error:
            log.error('%s %s failed: %r', method, path, error)
            return None
        finally:
            connection.close()
        time.sleep(RETRY_INTERVAL_SECONDS)
