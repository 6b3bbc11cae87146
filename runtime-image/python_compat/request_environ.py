"""`os.environ` per request, isolated between concurrent greenlets and threads.

python27 apps read request data from `os.environ` (USER_EMAIL, REQUEST_LOG_ID, HTTP_HOST ...). With many
requests in one process at once, a plain dict would leak one request's values into another, so `os.environ`
becomes a mapping whose contents belong to the current greenlet (or thread) while a request runs, and to the
process otherwise.
"""

import binascii
import collections
import os

from python_compat import closing

try:
    # Per greenlet, and per thread where there are no greenlets, whichever order gevent was patched in.
    from gevent.local import local as _local_class
except ImportError:  # pragma: no cover - the runtime image always has gevent
    from threading import local as _local_class

# WSGI keys copied into os.environ as on python27 (CGI-style request variables).
_CGI_KEYS = frozenset(('REQUEST_METHOD', 'PATH_INFO', 'QUERY_STRING', 'CONTENT_TYPE', 'CONTENT_LENGTH',
                       'SERVER_NAME', 'SERVER_PORT', 'SERVER_PROTOCOL', 'REMOTE_ADDR', 'SCRIPT_NAME'))


class RequestLocalEnviron(collections.MutableMapping):
    """Reads and writes the current request's environment when one is active, the process's otherwise.

    A request's environment is an overlay on the process environment, not a copy of it: copying ~50 entries
    on every request costs more than the rest of this layer. Writes and deletions during a request stay in
    the overlay (a deletion is a tombstone), so they never reach the process or another request.
    """

    _DELETED = object()

    def __init__(self, process_environ):
        self.process_environ = process_environ
        self._local = _local_class()

    def _overlay(self):
        return getattr(self._local, 'overlay', None)

    def begin_request(self, values):
        """Starts a request in this greenlet/thread: the process environment plus `values`."""
        self._local.overlay = dict(values)

    def end_request(self):
        self._local.overlay = None

    def __getitem__(self, key):
        overlay = self._overlay()
        if overlay is not None and key in overlay:
            value = overlay[key]
            if value is self._DELETED:
                raise KeyError(key)
            return value
        return self.process_environ[key]

    def __setitem__(self, key, value):
        overlay = self._overlay()
        if overlay is None:
            self.process_environ[key] = value
        else:
            overlay[key] = value

    def __delitem__(self, key):
        overlay = self._overlay()
        if overlay is None:
            del self.process_environ[key]
            return
        if key not in self:
            raise KeyError(key)
        overlay[key] = self._DELETED

    def __contains__(self, key):
        overlay = self._overlay()
        if overlay is not None and key in overlay:
            return overlay[key] is not self._DELETED
        return key in self.process_environ

    def has_key(self, key):
        """Python 2's dict method, which python27 apps call on os.environ."""
        return key in self

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    def copy(self):
        overlay = self._overlay()
        merged = dict(self.process_environ)
        if overlay is not None:
            for key, value in overlay.items():
                if value is self._DELETED:
                    merged.pop(key, None)
                else:
                    merged[key] = value
        return merged

    def __iter__(self):
        return iter(self.copy())

    def __len__(self):
        return len(self.copy())

    def __repr__(self):
        return 'RequestLocalEnviron(%r)' % (self.copy(),)


def install():
    """Replaces os.environ (and so os.getenv) with a RequestLocalEnviron; returns it. Idempotent."""
    if not isinstance(os.environ, RequestLocalEnviron):
        os.environ = RequestLocalEnviron(os.environ)
    return os.environ


def new_request_log_id():
    """A fresh REQUEST_LOG_ID: hex, unique per request, like App Engine's."""
    return binascii.hexlify(os.urandom(16)).decode('ascii')


def request_values(wsgi_environ):
    """The per-request python27 variables for one WSGI request."""
    # One pass over the WSGI environ: this runs on every request.
    values = {}
    for key, value in wsgi_environ.iteritems():
        if (key[:5] == 'HTTP_' or key in _CGI_KEYS) and isinstance(value, str):
            values[key] = value
    log_id = new_request_log_id()
    values.update({
        'HTTPS': 'on' if wsgi_environ.get('wsgi.url_scheme') == 'https' else 'off',
        'REQUEST_LOG_ID': log_id,
        'REQUEST_ID_HASH': log_id[:8].upper(),
        'USER_EMAIL': wsgi_environ.get('USER_EMAIL', ''),
        'USER_ID': wsgi_environ.get('USER_ID', ''),
        'USER_NICKNAME': wsgi_environ.get('USER_NICKNAME', ''),
        'USER_ORGANIZATION': wsgi_environ.get('USER_ORGANIZATION', ''),
        'USER_IS_ADMIN': wsgi_environ.get('USER_IS_ADMIN', '0'),
    })
    return values


class RequestEnvironMiddleware(object):
    """Gives each request its own os.environ for as long as the app runs, including while its body streams.

    `platform_variables` are applied to every request on top of the process environment, because servers
    rewrite some of them after start-up (gunicorn's arbiter sets SERVER_SOFTWARE to its own name).
    """

    def __init__(self, app, environ, platform_variables):
        self.app = app
        self.environ = environ
        self.platform_variables = platform_variables

    def __call__(self, wsgi_environ, start_response):
        values = dict(self.platform_variables)
        values.update(request_values(wsgi_environ))
        wsgi_environ['python_compat.request_log_id'] = values['REQUEST_LOG_ID']
        self.environ.begin_request(values)
        try:
            body = self.app(wsgi_environ, start_response)
        except BaseException:
            self.environ.end_request()
            raise
        return closing.ClosingBody(body, self.environ.end_request)
