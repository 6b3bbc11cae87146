"""The request ticket sent with every API call: the request's REQUEST_LOG_ID inside a request (the serving
layer's per-request os.environ holds it), DEFAULT_TICKET otherwise.

On Google's service bridge the ticket tied an API call to the request making it. Our API server accepts any
ticket; it is passed on to the stubs as the request id and kept so the same client works against servers
that check it (the Python 3 SDK's clients insist on one).
"""

import os

FALLBACK_TICKET = 'python-compat-default-ticket'


class _Default(object):
    ticket = FALLBACK_TICKET


def set_default_ticket(ticket):
    """The ticket of calls made outside a request (DEFAULT_TICKET); None keeps a fixed placeholder."""
    _Default.ticket = ticket or FALLBACK_TICKET


def current_ticket():
    """The ticket for an API call made now: the current request's, else the default."""
    return os.environ.get('REQUEST_LOG_ID') or _Default.ticket
