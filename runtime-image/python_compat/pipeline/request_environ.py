"""`os.environ` per request, isolated between concurrent greenlets and threads.

python27 apps read request data from `os.environ` (USER_EMAIL, REQUEST_LOG_ID, HTTP_HOST ...). With many
requests in one process at once, a plain dict would leak one request's values into another, so `os.environ`
becomes a mapping whose contents belong to the current greenlet (or thread) while a request runs, and to the
process otherwise.
"""

import binascii
import collections
import os

from python_compat.pipeline import users

try:
    # Per greenlet, and per thread where there are no greenlets, whichever order gevent was patched in.
    from gevent.local import local as _local_class
except ImportError:  # pragma: no cover - the runtime image always has gevent
    from threading import local as _local_class

# WSGI keys that are request variables in os.environ on python27 (CGI-style), besides every HTTP_* header.
_CGI_KEYS = ('REQUEST_METHOD', 'PATH_INFO', 'QUERY_STRING', 'CONTENT_TYPE', 'CONTENT_LENGTH', 'SERVER_NAME',
             'SERVER_PORT', 'SERVER_PROTOCOL', 'REMOTE_ADDR', 'SCRIPT_NAME')
# The user (set in the WSGI environ by the identity layer) and the request's ids.
_RUNTIME_KEYS = users.USER_KEYS + ('HTTPS', 'REQUEST_LOG_ID', 'REQUEST_ID_HASH')
_REQUEST_KEYS = frozenset(_CGI_KEYS + _RUNTIME_KEYS)

# The WSGI environ key of the request's REQUEST_LOG_ID.
LOG_ID_KEY = 'python_compat.request_log_id'

_DELETED = object()
_MISSING = object()


def _is_request_variable(key, value):
    return (key[:5] == 'HTTP_' or key in _REQUEST_KEYS) and isinstance(value, str)


class _Request(object):
    """One request's layers, searched in order: its own writes (a deletion is a tombstone), its request
    variables, the platform variables."""
    __slots__ = ('writes', 'values', 'platform')

    def __init__(self, values, platform):
        self.writes = {}
        self.values = values
        self.platform = platform

    def merged_into(self, merged):
        merged.update(self.platform)
        for key, value in self.values.iteritems():
            if _is_request_variable(key, value):
                merged[key] = value
        for key, value in self.writes.iteritems():
            if value is _DELETED:
                merged.pop(key, None)
            else:
                merged[key] = value
        return merged


class RequestLocalEnviron(collections.MutableMapping):
    """Reads and writes the current request's environment when one is active, the process's otherwise.

    A request's environment is layers over the process environment, not a copy of it: building a dict of
    ~50 entries on every request costs more than the rest of this layer. The request variables are filtered
    when read, not when the request starts, for the same reason. Writes and deletions during a request stay
    with the request, so they never reach the process or another request.
    """

    def __init__(self, process_environ):
        self.process_environ = process_environ
        # Applied to every request on top of the process environment, because servers rewrite some of them
        # after start-up (gunicorn's arbiter sets SERVER_SOFTWARE to its own name). Set once at start-up.
        self.platform_variables = {}
        # Reads go to os._Environ's dict itself: its UserDict methods are Python code on every lookup.
        self._process_values = getattr(process_environ, 'data', process_environ)
        self._local = _local_class()

    def begin_request(self, values):
        """Starts a request in this greenlet/thread. Its request variables are those of `values` (a mapping
        the caller no longer changes, such as a copy of the WSGI environ) that python27 had in os.environ:
        HTTP_* headers, CGI variables, the user and request ids; other keys stay invisible. The platform
        variables apply between them and the process environment."""
        self._local.request = _Request(values, self.platform_variables)

    def begin_wsgi_request(self, wsgi_environ):
        """Starts the request `wsgi_environ` describes, with a fresh REQUEST_LOG_ID (also put in the WSGI
        environ, for the request log). Its os.environ lasts until end_request, so also while its body streams."""
        values = request_values(wsgi_environ)
        wsgi_environ[LOG_ID_KEY] = values['REQUEST_LOG_ID']
        self.begin_request(values)

    def end_request(self):
        self._local.request = None

    def __getitem__(self, key):
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __setitem__(self, key, value):
        request = getattr(self._local, 'request', None)
        if request is None:
            self.process_environ[key] = value
        else:
            request.writes[key] = value

    def __delitem__(self, key):
        request = getattr(self._local, 'request', None)
        if request is None:
            del self.process_environ[key]
            return
        if key not in self:
            raise KeyError(key)
        request.writes[key] = _DELETED

    def __contains__(self, key):
        return self.get(key, _MISSING) is not _MISSING

    def has_key(self, key):
        """Python 2's dict method, which python27 apps call on os.environ."""
        return key in self

    def get(self, key, default=None):
        # Every read lands here, the SDK's many os.environ.get and os.getenv calls included, so the request's
        # layers are searched inline, without raising KeyError (gunicorn asks for SCRIPT_NAME on every
        # request, usually absent): its own writes (a deletion is a tombstone), its request variables, the
        # platform variables, then the process environment.
        request = getattr(self._local, 'request', None)
        if request is not None:
            value = request.writes.get(key, _MISSING)
            if value is _MISSING:
                value = request.values.get(key, _MISSING)
                if value is _MISSING or not _is_request_variable(key, value):
                    value = request.platform.get(key, _MISSING)
            if value is _DELETED:
                return default
            if value is not _MISSING:
                return value
        return self._process_values.get(key, default)

    def copy(self):
        merged = dict(self.process_environ)
        request = getattr(self._local, 'request', None)
        return merged if request is None else request.merged_into(merged)

    def __iter__(self):
        return iter(self.copy())

    def __len__(self):
        return len(self.copy())

    def __repr__(self):
        return 'RequestLocalEnviron(%r)' % (self.copy(),)


def install():
    """Replaces os.environ and os.getenv with a RequestLocalEnviron and its get; returns it. Idempotent."""
    if not isinstance(os.environ, RequestLocalEnviron):
        os.environ = RequestLocalEnviron(os.environ)
        # os.getenv(key, default=None) is os.environ.get(key, default) with one Python call more; ndb calls it
        # on every API call.
        os.getenv = os.environ.get
    return os.environ


class _RequestLogIds(object):
    """Fresh REQUEST_LOG_IDs: 32 random hex digits, unique per request, like App Engine's. Random bytes are
    read for many ids at once (one getrandom call each is a measurable share of a small request), and never
    shared across a fork: a worker that inherited a batch from gunicorn's master starts its own."""

    BATCH = 64

    def __init__(self):
        self.pid = None
        self.ids = []

    def next(self):
        if not self.ids or self.pid != os.getpid():
            self.pid = os.getpid()
            digits = binascii.hexlify(os.urandom(16 * self.BATCH))
            self.ids = [digits[start:start + 32] for start in range(0, len(digits), 32)]
        return self.ids.pop()


new_request_log_id = _RequestLogIds().next


def request_values(wsgi_environ):
    """The request's os.environ values: the WSGI environ (begin_request shows only its request variables)
    plus HTTPS, a fresh REQUEST_LOG_ID and its hash, and the anonymous user unless the identity layer set
    one."""
    values = wsgi_environ.copy()
    if 'USER_EMAIL' not in values:
        values.update(users.ANONYMOUS)
    log_id = new_request_log_id()
    values['REQUEST_LOG_ID'] = log_id
    values['REQUEST_ID_HASH'] = log_id[:8].upper()
    values['HTTPS'] = 'on' if wsgi_environ.get('wsgi.url_scheme') == 'https' else 'off'
    return values
