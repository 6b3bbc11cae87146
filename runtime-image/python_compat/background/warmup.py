"""`inbound_services: [warmup]`: one GET /_ah/warmup per container once the workers listen.

The supervisor sends it once the workers listen and records its answer in the container's status file, which
the workers' readiness checks read: the container turns ready once, when the single warmup request has been
answered (any status: App Engine also moved on when the app had no warmup handler).
"""

import logging
import threading

from python_compat.background import self_request

log = logging.getLogger(__name__)
WARMUP_PATH = '/_ah/warmup'


def send_warmup(port, done, deadline_seconds=300):
    """Sends GET /_ah/warmup once a worker answers, then calls `done()` (also when none answered in time)."""
    status = self_request.send_internal_request(port, 'GET', WARMUP_PATH, timeout=deadline_seconds,
                                                connect_patience=deadline_seconds)
    if status is None:
        log.error('warmup request got no answer within %d s; marking the container ready anyway', deadline_seconds)
    else:
        log.info('warmup request answered %d', status)
    done()


def start_warmup_thread(port, done):
    """Sends the warmup in a thread of the supervisor; `done()` follows its answer."""
    thread = threading.Thread(target=send_warmup, args=(port, done), name='warmup')
    thread.daemon = True
    thread.start()
