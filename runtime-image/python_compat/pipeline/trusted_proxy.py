"""The client's address and scheme, from X-Forwarded-* only when the peer is a configured trusted proxy,
and client-sent platform headers stripped: on App Engine Google's front end removed them; here nothing would.
"""

from python_compat.config import networks

# Request headers (WSGI keys) only the platform may set. A client that sends them is lying.
_PLATFORM_HEADER_PREFIX = 'HTTP_X_APPENGINE_'
_USER_HEADER_PREFIX = 'HTTP_X_GOOG_AUTHENTICATED_USER_'
PLATFORM_HEADER_PREFIXES = (_PLATFORM_HEADER_PREFIX, _USER_HEADER_PREFIX)


def strip_platform_headers(environ):
    # Runs on every request, which almost never carries one: a substring search over the keys joined in C
    # decides whether the Python loop over every key is needed at all.
    try:
        keys = '\n'.join(environ)
        if _USER_HEADER_PREFIX not in keys and _PLATFORM_HEADER_PREFIX not in keys:
            return
    except TypeError:
        pass  # a key that is not a string: only the loop below can tell
    for key in [key for key in environ if isinstance(key, basestring) and key.startswith(PLATFORM_HEADER_PREFIXES)]:
        del environ[key]


def client_address(peer, forwarded_for, trusted):
    """The first address, walking X-Forwarded-For from the right, that is not a trusted proxy."""
    address = peer
    hops = [hop.strip() for hop in (forwarded_for or '').split(',') if hop.strip()]
    while address and networks.address_in(address, trusted) and hops:
        address = hops.pop()
    return address


class TrustedProxy(object):
    """What the request's peer may tell: X-Forwarded-For and -Proto count only from `trusted_networks`;
    X-AppEngine-* and X-Goog-Authenticated-User-* never (the pipeline does not call this step for the runtime's
    own requests, whose X-AppEngine-* headers are the platform's)."""

    def __init__(self, trusted_networks):
        self.trusted = trusted_networks

    def apply(self, environ):
        strip_platform_headers(environ)
        peer = environ.get('REMOTE_ADDR', '')
        if self.trusted and networks.address_in(peer, self.trusted):
            environ['REMOTE_ADDR'] = client_address(peer, environ.get('HTTP_X_FORWARDED_FOR'), self.trusted)
            # The rightmost value is what the nearest (trusted) proxy saw; values to its left may come from
            # the client, through a proxy that appends rather than overwrites.
            proto = environ.get('HTTP_X_FORWARDED_PROTO', '').split(',')[-1].strip().lower()
            if proto in ('http', 'https'):
                environ['wsgi.url_scheme'] = proto
