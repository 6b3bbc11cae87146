"""Turns a validated AppConfig into a Router: imports appengine_config, then preloads every handler.

Order matters and follows App Engine: the app root becomes the working directory and the head of sys.path,
`libraries:` are applied, `appengine_config` is imported before any handler (it often calls
`vendor.add('lib')`), and its `webapp_add_wsgi_middleware` wraps every script app.
"""

import os
import sys
import traceback

from google.appengine.api import appinfo

from python_compat.app import error_pages
from python_compat.app import router
from python_compat.app import libraries
from python_compat.app import cgi_scripts
from python_compat.app import threadsafe
from python_compat.app import wsgi_scripts
from python_compat import sdk
from python_compat.app import static_files
from python_compat.errors import StartupError


def prepare_app_root(app_root):
    os.chdir(app_root)
    if app_root in sys.path:
        sys.path.remove(app_root)
    sys.path.insert(0, app_root)


def import_appengine_config(app_root):
    """The app's appengine_config module, or None when the app has none."""
    if not os.path.exists(os.path.join(app_root, 'appengine_config.py')):
        return None
    try:
        import appengine_config
    except Exception as error:
        raise StartupError(os.path.join(app_root, 'appengine_config.py'), None,
                           'importing it raised %s: %s' % (type(error).__name__, error), traceback.format_exc())
    return appengine_config


def expiration_seconds(text, source, key):
    if not text:
        return None
    try:
        return appinfo.ParseExpiration(text)
    except Exception:
        raise StartupError(source, key, '%r: expected a duration such as "4d 5h" or "30m"' % text)


class AppLoader(object):
    """Builds the handlers of one app, importing each WSGI script once."""

    def __init__(self, config):
        self.config = config
        self.source = config.path
        self.wsgi_apps = {}
        self.middleware = None
        self.serializing_lock = None if config.threadsafe else threadsafe.new_serializing_lock()

    def load(self):
        prepare_app_root(self.config.root)
        sdk.add_libraries_the_sdk_needs()
        libraries.apply_libraries(self.config.libraries, self.source)
        module = import_appengine_config(self.config.root)
        self.middleware = getattr(module, 'webapp_add_wsgi_middleware', None)
        routes = [router.Route(url_map, self.handler_for(index, url_map))
                  for index, url_map in enumerate(self.config.handlers)]
        return router.Router(routes, self.error_pages())

    def handler_for(self, index, url_map):
        key = 'handlers[%d]' % index
        kind = url_map.GetHandlerType()
        if kind == 'script':
            return self.script_handler(url_map.script, key + '.script')
        default = self.config.default_expiration
        seconds = expiration_seconds(url_map.expiration or default, self.source,
                                     key + '.expiration' if url_map.expiration else 'default_expiration')
        return static_files.StaticFileHandler(self.config.root, url_map, seconds)

    def script_handler(self, script, key):
        if script.endswith('.py'):
            if self.config.threadsafe:
                raise StartupError(self.source, key, '%r: CGI scripts need `threadsafe: false`; use '
                                   'module.app for a WSGI app' % script)
            app = cgi_scripts.CgiScript(os.path.join(self.config.root, script), self.source, key)
        else:
            if script not in self.wsgi_apps:
                app = wsgi_scripts.import_wsgi_app(script, self.source, key)
                if self.middleware is not None:
                    app = self.middleware(app)
                self.wsgi_apps[script] = app
            app = self.wsgi_apps[script]
        if self.serializing_lock is not None:
            app = threadsafe.SerializedCall(app, self.serializing_lock)
        return app

    def error_pages(self):
        for index, error_handler in enumerate(self.config.error_handlers):
            path = os.path.join(self.config.root, error_handler.file)
            if static_files.resolve_inside(self.config.root, error_handler.file) is None or not os.path.isfile(path):
                raise StartupError(self.source, 'error_handlers[%d].file' % index,
                                   '%r: expected a readable file inside the app root' % error_handler.file)
        return error_pages.ErrorPages(self.config.root, self.config.error_handlers)
