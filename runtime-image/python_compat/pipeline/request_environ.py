"""`os.environ` per request, isolated between concurrent greenlets and threads.

python27 apps read request data from `os.environ` (USER_EMAIL, REQUEST_LOG_ID, HTTP_HOST ...). With many
requests in one process at once, a plain dict would leak one request's values into another, so the
`os.environ` object itself becomes a mapping whose contents belong to the current greenlet (or thread) while a
request runs, and to the process otherwise: modules that captured it early see the request's values too.
"""

import binascii
import collections
import os

from python_compat.logs.request_log import LOG_ID_KEY
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


class RequestLocalEnviron(os._Environ):
    """os.environ itself, made per request: reads and writes go to the current request's environment when one
    is active, to the process's otherwise.

    install() does not replace os.environ with a new object: it changes the class of the object os.environ has
    always been, so every module that kept a reference to it before the runtime started (cgi.FieldStorage's
    default `environ=os.environ`, bound when gunicorn imported cgi) reads the request's values too. On python27
    the runtime replaced os.environ before any module looked at it, which had the same effect. A classic class,
    because os._Environ is one and a classic instance can only take another classic class.

    A request's environment is layers over the process environment, not a copy of it: building a dict of
    ~50 entries on every request costs more than the rest of this layer. The request variables are filtered
    when read, not when the request starts, for the same reason. Writes and deletions during a request stay
    with the request, so they never reach the process or another request. The process environment is
    os._Environ's own `data` dict, written through os._Environ (so putenv still reaches child processes).
    """

    def __init__(self, process_values):
        """A request-local environ over the dict `process_values` (install() converts os.environ instead)."""
        os._Environ.__init__(self, process_values)
        self._make_request_local()

    def _make_request_local(self):
        # Applied to every request on top of the process environment, because servers rewrite some of them
        # after start-up (gunicorn's arbiter sets SERVER_SOFTWARE to its own name). Set once at start-up.
        self.platform_variables = {}
        self._local = _local_class()

    def begin_request(self, values):
        """Starts a request in this greenlet/thread. Its request variables are those of `values` (a mapping
        the caller no longer changes, such as a copy of the WSGI environ) that python27 had in os.environ:
        HTTP_* headers, CGI variables, the user and request ids; other keys stay invisible. The platform
        variables apply between them and the process environment."""
        self._local.request = _Request(values, self.platform_variables)

    def begin_wsgi_request(self, wsgi_environ):
        """Starts the request `wsgi_environ` describes, with a fresh REQUEST_LOG_ID (also put in the WSGI
        environ, for the request log) and the platform's SERVER_SOFTWARE in the WSGI environ too. Its os.environ
        lasts until end_request, so also while its body streams."""
        values = request_values(wsgi_environ)
        wsgi_environ[LOG_ID_KEY] = values['REQUEST_LOG_ID']
        # python27 built the app's WSGI environ from the request's environment: its SERVER_SOFTWARE is the
        # platform's (apps and the deferred builtin read it there), not the HTTP server's.
        software = self.platform_variables.get('SERVER_SOFTWARE')
        if software is not None:
            wsgi_environ['SERVER_SOFTWARE'] = software
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
            os._Environ.__setitem__(self, key, value)
        else:
            request.writes[key] = value

    def __delitem__(self, key):
        request = getattr(self._local, 'request', None)
        if request is None:
            os._Environ.__delitem__(self, key)
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
        return self.data.get(key, default)

    def copy(self):
        merged = dict(self.data)
        request = getattr(self._local, 'request', None)
        return merged if request is None else request.merged_into(merged)

    # The rest of the dict API, each on the current environment (os._Environ's versions read `data` directly).

    def pop(self, key, *default):
        if key in self:
            value = self[key]
            del self[key]
            return value
        if default:
            return default[0]
        raise KeyError(key)

    def popitem(self):
        for key in self:
            return key, self.pop(key)
        raise KeyError('popitem(): os.environ is empty')

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def clear(self):
        for key in self.keys():
            del self[key]

    def keys(self):
        return self.copy().keys()

    def values(self):
        return self.copy().values()

    def items(self):
        return self.copy().items()

    def iterkeys(self):
        return iter(self.keys())

    def itervalues(self):
        return iter(self.values())

    def iteritems(self):
        return iter(self.items())

    def viewkeys(self):
        return collections.KeysView(self)

    def viewvalues(self):
        return collections.ValuesView(self)

    def viewitems(self):
        return collections.ItemsView(self)

    def __iter__(self):
        return iter(self.copy())

    def __len__(self):
        return len(self.copy())

    def __cmp__(self, other):
        return cmp(self.copy(), other.copy() if isinstance(other, RequestLocalEnviron) else other)

    def __repr__(self):
        return repr(self.copy())


# python27's os.environ was a MutableMapping (request_environment.RequestLocalEnviron); apps may check.
collections.MutableMapping.register(RequestLocalEnviron)


def install():
    """Makes os.environ (the object itself, see RequestLocalEnviron) per request and points os.getenv at its
    get; returns it. Idempotent."""
    environ = os.environ
    if not isinstance(environ, RequestLocalEnviron):
        if not isinstance(environ, os._Environ):
            raise TypeError('os.environ is a %s, not os._Environ: something replaced it before the runtime '
                            'started' % type(environ).__name__)
        environ.__class__ = RequestLocalEnviron
        environ._make_request_local()  # pylint: disable=protected-access
    # os.getenv(key, default=None) is os.environ.get(key, default) with one Python call more; ndb calls it
    # on every API call.
    os.getenv = environ.get
    return environ


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
