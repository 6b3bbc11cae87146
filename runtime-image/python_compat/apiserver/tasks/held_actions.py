"""Transactional tasks whose transaction lives in the calling process.

When the app's workers make their datastore calls themselves (apiclient/datastore_here.py), a transactional task
belongs to a transaction the API server does not hold. The worker has the API server's task queue check and name
the tasks as its stub does for any transactional add (`taskqueue.BulkAddHeldByCaller`), and holds them in its own
transaction, which adds them through the API server when it commits. Meanwhile the stub's hand-over of the tasks
to the datastore (AddActions) is skipped: the caller holds them.
"""

import contextlib
import threading

# The task queue's method, served with BulkAdd's messages (service_methods.py).
METHOD = 'BulkAddHeldByCaller'

_current = threading.local()  # greenlet-local once gevent has patched `threading`


@contextlib.contextmanager
def held_by_caller():
    """Within the block, the datastore keeps no action handed to it."""
    _current.held = True
    try:
        yield
    finally:
        _current.held = False


def are_held_by_caller():
    return getattr(_current, 'held', False)
