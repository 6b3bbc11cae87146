"""Routes each request to the first app.yaml handler whose `url` regex matches the whole path."""

import logging
import re
import sys

from python_compat.app import handler_rules

log = logging.getLogger(__name__)


class HandlerRules(object):
    """The per-handler rules of one app.yaml entry as plain attributes: the SDK's validated objects resolve
    every attribute through a Python-level __getattribute__, too slow to consult on every request."""

    def __init__(self, url_map):
        for name in ('url', 'script', 'secure', 'login', 'auth_fail_action', 'redirect_http_response_code',
                     'require_matching_file'):
            setattr(self, name, getattr(url_map, name))
        self.has_rules = self.secure in ('always', 'never') or self.login in ('required', 'admin')


class Route(object):
    """One handler: its compiled URL pattern, the app.yaml entry, and the callable that serves it."""

    def __init__(self, url_map, handler):
        self.rules = HandlerRules(url_map)
        self.handler = handler
        url = url_map.url
        if url_map.GetHandlerType() == 'static_dir':
            url = url.rstrip('/') + '/(.*)'
        self.pattern = re.compile('^(?:%s)$' % url)
        self.is_static = url_map.GetHandlerType() in ('static_files', 'static_dir')


class Router(object):
    """The WSGI app made of app.yaml's handlers, tried in order; 404 when none matches."""

    def __init__(self, routes, error_pages):
        self.routes = routes
        self.error_pages = error_pages

    def names_path(self, path):
        """True when one of the app's handlers takes `path` and its `url` names it (a catch-all such as
        `/.*` does not claim the health-check paths; `url: /_ah/health` or `/readiness_check.*` does)."""
        last_segment = path.rstrip('/').rsplit('/', 1)[-1]
        return any(route.pattern.match(path) and last_segment in route.rules.url for route in self.routes)

    def __call__(self, environ, start_response):
        path = environ.get('PATH_INFO') or '/'
        for route in self.routes:
            match = route.pattern.match(path)
            if not match:
                continue
            if route.is_static and route.rules.require_matching_file and route.handler.file_for(match) is None:
                continue
            if route.rules.has_rules:
                refusal = (handler_rules.secure_redirect(route.rules, environ, start_response)
                           or handler_rules.login_refusal(route.rules, environ, start_response))
                if refusal is not None:
                    return refusal
            if route.is_static:
                return route.handler(environ, start_response, match)
            return self.call_script(route, environ, start_response)
        return self.error_pages.respond(start_response, 404)

    def call_script(self, route, environ, start_response):
        try:
            return route.handler(environ, start_response)
        except Exception:
            log.exception('Unhandled exception in %s serving %s', route.rules.script, environ.get('PATH_INFO'))
            # With exc_info, a server that already sent the app's headers re-raises (and drops the
            # connection); one that has not replaces them with the 500.
            return self.error_pages.respond(start_response, 500, sys.exc_info())
