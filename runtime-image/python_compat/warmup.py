"""`inbound_services: [warmup]`: one GET /_ah/warmup per container once the workers listen.

Readiness is shared by all workers through memory the master allocates before forking, so the container
turns ready once, when the single warmup request has been answered (any status: App Engine also moved on
when the app had no warmup handler).
"""

import httplib
import logging
import multiprocessing
import socket
import time

from python_compat import internal
from python_compat import os_threads

log = logging.getLogger(__name__)
WARMUP_PATH = '/_ah/warmup'


class SharedFlag(object):
    """A boolean every forked worker sees, set by the master."""

    def __init__(self):
        self._value = multiprocessing.RawValue('b', 0)

    def set(self):
        self._value.value = 1

    def __nonzero__(self):
        return bool(self._value.value)


def send_warmup(port, done, deadline_seconds=300):
    """Retries until a worker answers GET /_ah/warmup, then sets `done` (also when it never answers)."""
    deadline = time.time() + deadline_seconds
    while time.time() < deadline:
        connection = httplib.HTTPConnection('127.0.0.1', port, timeout=deadline_seconds)
        try:
            connection.request('GET', WARMUP_PATH, headers={internal.HEADER: internal.token()})
            status = connection.getresponse().status
            log.info('warmup request answered %d', status)
            break
        except (socket.error, httplib.HTTPException):
            time.sleep(0.2)
        finally:
            connection.close()
    else:
        log.error('warmup request got no answer within %d s; marking the container ready anyway', deadline_seconds)
    done.set()


def start_warmup_thread(port, done):
    """Sends the warmup from a real OS thread of the master, so forked workers do not send it again."""
    os_threads.start_os_thread(send_warmup, port, done)
