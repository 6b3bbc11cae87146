"""Imported by the runtime before any handler: records that, and wraps every script app."""
import os

os.environ['APPENGINE_CONFIG_IMPORTED_BEFORE'] = 'main' if 'main' not in __import__('sys').modules else 'too-late'


def webapp_add_wsgi_middleware(app):
    def with_header(environ, start_response):
        def start(status, headers, exc_info=None):
            return start_response(status, headers + [('X-Middleware', 'applied')], exc_info)
        return app(environ, start)
    return with_header
