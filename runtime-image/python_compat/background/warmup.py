"""`inbound_services: [warmup]`: one GET /_ah/warmup per container once the workers listen.

Readiness is shared by all workers through memory the master allocates before forking, so the container
turns ready once, when the single warmup request has been answered (any status: App Engine also moved on
when the app had no warmup handler).
"""

import logging
import multiprocessing

from python_compat.background import os_threads
from python_compat.background import self_request

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
    """Sends GET /_ah/warmup once a worker answers, then sets `done` (also when none answered in time)."""
    status = self_request.send_internal_request(port, 'GET', WARMUP_PATH, timeout=deadline_seconds,
                                                connect_patience=deadline_seconds)
    if status is None:
        log.error('warmup request got no answer within %d s; marking the container ready anyway', deadline_seconds)
    else:
        log.info('warmup request answered %d', status)
    done.set()


def start_warmup_thread(port, done):
    """Sends the warmup from a real OS thread of the master, so forked workers do not send it again."""
    os_threads.start_os_thread(send_warmup, port, done)
