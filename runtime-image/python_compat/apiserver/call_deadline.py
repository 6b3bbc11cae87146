"""The deadline of the API call being served, for stubs that wait on the network (Cloud Datastore).

The dispatcher sets it around each call from the client's X-Google-RPC-Service-Deadline; stubs read what is
left of it. Thread-local, which gevent's monkey-patching makes greenlet-local, so concurrent calls keep
their own.
"""

import contextlib
import threading
import time

# What a call gets when its client sent no deadline (the python27 API client's own default).
DEFAULT_SECONDS = 60.0
_current = threading.local()


@contextlib.contextmanager
def deadline(started, seconds):
    """Within the block, the call that started at `started` (time.time()) must end `seconds` later
    (None: DEFAULT_SECONDS)."""
    previous = getattr(_current, 'give_up', None)
    _current.give_up = started + (seconds if seconds else DEFAULT_SECONDS)
    try:
        yield
    finally:
        _current.give_up = previous


def remaining_seconds():
    """Seconds left to the current call's deadline (DEFAULT_SECONDS outside a call); may be <= 0."""
    give_up = getattr(_current, 'give_up', None)
    return DEFAULT_SECONDS if give_up is None else give_up - time.time()
