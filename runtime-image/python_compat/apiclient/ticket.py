"""The request ticket sent with every API call: the request's REQUEST_LOG_ID inside a request (the serving
layer's per-request os.environ holds it), one set explicitly for a block of code, or a default otherwise.

On Google's service bridge the ticket tied an API call to the request making it. Our API server accepts any
ticket; it is passed on to the stubs as the request id and kept so the same client works against servers
that check it (the Python 3 SDK's clients insist on one).
"""

import contextlib
import os

try:
    # gevent's local is per greenlet, and per thread when there are no greenlets; it works whether or not
    # this module was imported before gevent's monkey-patching (threading.local would then be per thread,
    # shared by all the requests a gevent worker runs at once).
    from gevent.local import local as _local_class
except ImportError:  # pragma: no cover - the runtime image always has gevent
    from threading import local as _local_class

DEFAULT_TICKET_ENV = 'DEFAULT_TICKET'
FALLBACK_TICKET = 'python-compat-default-ticket'

_current = _local_class()


def default_ticket():
    """The ticket of calls made outside a request: $DEFAULT_TICKET, or a fixed placeholder."""
    return os.environ.get(DEFAULT_TICKET_ENV) or FALLBACK_TICKET


def current_ticket():
    """The ticket for an API call made now, in this greenlet or thread."""
    return getattr(_current, 'ticket', None) or os.environ.get('REQUEST_LOG_ID') or default_ticket()


def set_request_ticket(ticket):
    """Makes `ticket` the one API calls from this greenlet or thread send; None restores the default."""
    _current.ticket = ticket


@contextlib.contextmanager
def request_ticket(ticket):
    """`with request_ticket(t):` API calls in the block send ticket `t`; the previous one is restored after."""
    previous = getattr(_current, 'ticket', None)
    _current.ticket = ticket
    try:
        yield
    finally:
        _current.ticket = previous
