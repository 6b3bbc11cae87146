"""`script: module.attr` handlers: the WSGI app a script names, found as the python27 runtime found it.

App Engine resolved a script with `LoadObject` (google/appengine/runtime/wsgi.py in the SDK) when a request
first reached its handler: `run.application.app` is the `app` of module run.application when run is a package,
`pkg.app` may be an attribute of pkg/__init__.py, and everything after the longest importable module is an
attribute chain. The runtime imports each script once before serving; one that cannot be loaded is retried on
each request that reaches it (RetriedScript), as App Engine retried a failed import.
"""

import logging
import sys
import threading
import traceback

from python_compat.errors import StartupError

log = logging.getLogger(__name__)


class ScriptModuleNotFound(ImportError):
    """The module a script names (or a package on its way) does not exist."""

    def __init__(self, module_name):
        ImportError.__init__(self, 'no module named %r in the app root' % module_name)


class ScriptAttributeNotFound(AttributeError):
    """A script's module (or an object on its way) lacks the next attribute the script names."""


class NotAWsgiCallable(TypeError):
    """What a script names cannot be called as a WSGI app."""


def load_object(name):
    """The object `name` (`a.b.c`) names, resolved as LoadObject did: `a` is imported; each further component
    is an attribute of the object so far when it has one, else a submodule imported while every object so far
    is a package. Raises ScriptModuleNotFound or ScriptAttributeNotFound when something it names does not exist,
    and any exception the app raises while being imported."""
    parts = name.split('.')
    obj = _import(parts[0])
    is_parent_package = True
    path = parts[0]
    for part in parts[1:]:
        is_parent_package = is_parent_package and hasattr(obj, '__path__')
        path += '.' + part
        if hasattr(obj, part):
            obj = getattr(obj, part)
        elif is_parent_package:
            _import(path)
            obj = getattr(obj, part)
        else:
            raise ScriptAttributeNotFound('%s has no attribute %r' % (_described(obj, path.rpartition('.')[0]), part))
    return obj


def _import(module_name):
    """__import__(module_name) (the top-level package), with ScriptModuleNotFound when the module is missing."""
    try:
        return __import__(module_name)
    except ImportError as error:
        if module_name not in sys.modules and _is_missing(module_name, error):
            raise ScriptModuleNotFound(module_name)
        raise


def _is_missing(module_name, error):
    """True when the ImportError is about `module_name` itself, not about an import inside it."""
    return str(error) in ('No module named %s' % module_name, 'No module named %s' % module_name.split('.')[-1])


def _described(obj, path):
    return 'module %s' % path if type(obj) is type(sys) else '%s (a %s)' % (path, type(obj).__name__)


def load_wsgi_app(script):
    """The WSGI callable `script` names; raises as load_object does, and NotAWsgiCallable."""
    app = load_object(script)
    if not callable(app):
        raise NotAWsgiCallable('%s is a %s, not a WSGI callable' % (script, type(app).__name__))
    return app


def import_wsgi_app(script, source, key):
    """The WSGI callable named by `script`, imported with the app root on sys.path; StartupError naming the
    file, the key and the reason (with the app's traceback when the app raised) when it cannot be loaded."""
    try:
        return load_wsgi_app(script)
    except (ScriptModuleNotFound, ScriptAttributeNotFound, NotAWsgiCallable) as error:
        raise StartupError(source, key, '%r: %s' % (script, error))
    except (Exception, SystemExit) as error:  # anything the app raises while being imported
        raise StartupError(source, key, '%r: importing it raised %s: %s' % (script, type(error).__name__, error),
                           traceback.format_exc())


class RetriedScript(object):
    """A WSGI script that could not be loaded at start-up. As on App Engine, each request that reaches it tries
    to load it again; until one succeeds, the request fails (the router logs the app's traceback and answers
    500). `wrap` turns the loaded app into what serves (appengine_config's middleware)."""

    def __init__(self, script, wrap):
        self.script = script
        self.wrap = wrap
        self.app = None
        # One load at a time: two requests must not import the same module concurrently.
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if self.app is None:
            with self.lock:
                if self.app is None:
                    self.app = self.wrap(load_wsgi_app(self.script))
                    log.info('%s: loaded on a request, after failing at start-up', self.script)
        return self.app(environ, start_response)
