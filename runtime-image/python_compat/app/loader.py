"""Turns a validated AppConfig into a Router: imports appengine_config, then preloads every handler.

Order matters and follows App Engine: the app root becomes the working directory and the head of sys.path,
`libraries:` are applied, `appengine_config` is imported before any handler (it often calls
`vendor.add('lib')`), and its `webapp_add_wsgi_middleware` wraps every script app. A failing appengine_config
stops the container: on App Engine every request would fail.
"""

import os
import sys
import traceback

from google.appengine.api import appinfo

from python_compat.app import error_pages
from python_compat.app import router
from python_compat.app import libraries
from python_compat.app import cgi_scripts
from python_compat.app import request_time_problems
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


def give_apps_an_empty_stdin():
    """python27 gave apps an empty stdin (a CGI script gets the request body on it, per request): a WSGI app
    calling cgi.FieldStorage() without `fp` reads no body, as there, and never blocks on the container's stdin
    (`docker run -i`)."""
    sys.stdin = open(os.devnull)


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
    """Builds the handlers of one app, importing each WSGI script once. What App Engine only found when a request
    arrived (a script that cannot be loaded, a missing error page or static_dir) goes to `problems`
    (request_time_problems.RequestTimeProblems): a warning, or a StartupError in strict mode."""

    def __init__(self, config, strict=False):
        self.config = config
        self.source = config.path
        self.problems = request_time_problems.RequestTimeProblems(strict)
        self.wsgi_apps = {}
        self.middleware = None
        self.serializing_lock = None if config.threadsafe else threadsafe.new_serializing_lock()
        self.pages = None

    def load(self):
        prepare_app_root(self.config.root)
        give_apps_an_empty_stdin()
        sdk.add_libraries_the_sdk_needs()
        libraries.apply_libraries(self.config.libraries, self.source)
        module = import_appengine_config(self.config.root)
        self.middleware = getattr(module, 'webapp_add_wsgi_middleware', None)
        self.pages = self.error_pages()
        routes = [router.Route(url_map, self.handler_for(index, url_map))
                  for index, url_map in enumerate(self.config.handlers)]
        return router.Router(routes, self.pages)

    def handler_for(self, index, url_map):
        key = 'handlers[%d]' % index
        kind = url_map.GetHandlerType()
        if kind == 'script':
            return self.script_handler(url_map.script, key + '.script')
        if kind == 'static_dir':
            self.check_static_dir(url_map.static_dir, key + '.static_dir')
        default = self.config.default_expiration
        seconds = expiration_seconds(url_map.expiration or default, self.source,
                                     key + '.expiration' if url_map.expiration else 'default_expiration')
        return static_files.StaticFileHandler(self.config.root, url_map, seconds)

    def script_handler(self, script, key):
        if cgi_scripts.is_cgi_script(script):
            app = self.cgi_handler(script, key)
        else:
            if script not in self.wsgi_apps:
                self.wsgi_apps[script] = self.wsgi_handler(script, key)
            app = self.wsgi_apps[script]
        if self.serializing_lock is not None:
            app = threadsafe.SerializedCall(app, self.serializing_lock)
        return app

    def wsgi_handler(self, script, key):
        try:
            return self.with_middleware(wsgi_scripts.import_wsgi_app(script, self.source, key))
        except StartupError as error:
            self.problems.report(error, 'requests to this handler answer 500 and retry the import, as on '
                                        'App Engine')
            return wsgi_scripts.RetriedScript(script, self.with_middleware)

    def with_middleware(self, app):
        return app if self.middleware is None else self.middleware(app)

    def cgi_handler(self, script, key):
        if self.config.threadsafe:
            raise StartupError(self.source, key, '%r: CGI scripts need `threadsafe: false`; use '
                               'module.app for a WSGI app' % script)
        path = cgi_scripts.cgi_script_path(self.config.root, script)
        problem = cgi_scripts.cgi_script_problem(path)
        if problem is None:
            return cgi_scripts.CgiScript(path)
        error = StartupError(self.source, key, '%r: %s' % (script, problem))
        if not os.path.isfile(path):
            # The python27 runtime's CGI loader answered a missing file with its "not found" error code.
            self.problems.report(error, 'requests to this handler answer 404, as on App Engine')
            return lambda environ, start_response: self.pages.respond(start_response, 404)
        self.problems.report(error, 'requests to this handler answer 500, as on App Engine')
        return cgi_scripts.CgiScript(path)

    def check_static_dir(self, static_dir, key):
        path = static_files.resolve_inside(self.config.root, static_dir)
        if path is None or not os.path.isdir(path):
            self.problems.report(StartupError(self.source, key, '%r: no such directory in the app root'
                                              % static_dir), 'its requests answer 404')

    def error_pages(self):
        """ErrorPages of the error_handlers whose file exists inside the app root (others are reported)."""
        usable = []
        for index, error_handler in enumerate(self.config.error_handlers):
            path = static_files.resolve_inside(self.config.root, error_handler.file)
            if path is None or not os.path.isfile(path):
                self.problems.report(
                    StartupError(self.source, 'error_handlers[%d].file' % index,
                                 '%r: expected a readable file inside the app root' % error_handler.file),
                    "the runtime's own error page is served instead")
            else:
                usable.append(error_handler)
        return error_pages.ErrorPages(self.config.root, usable)
