"""Builds the WSGI pipeline that serves one app, outermost layer first:

request log -> identity (the user, from the one configured source) -> trusted proxy (client address, scheme,
platform headers stripped; the runtime's own requests run as admin) -> [platform paths only: health checks
-> development sign-in page (only with IDENTITY_SOURCE=dev-login) -> blobstore uploads (stored by the API
server, then re-served as the success path's request) -> inbound mail guard] -> per-request os.environ (which
holds the API ticket) -> blobstore downloads (X-AppEngine-BlobKey responses become the blob) -> app.yaml
handlers.
"""

from python_compat import app_loader
from python_compat import blob_serving
from python_compat import blob_upload
from python_compat import devlogin
from python_compat import handler_rules
from python_compat import health
from python_compat import identity
from python_compat import logs
from python_compat import platform_environ
from python_compat import proxy
from python_compat import request_environ
from python_compat import warmup


class ServedApp(object):
    """The loaded app and what the server needs to know about it."""

    def __init__(self, wsgi_app, readiness, variables):
        self.wsgi_app = wsgi_app
        self.readiness = readiness
        self.variables = variables


def build(settings, config):
    """Loads the app described by `config` and wraps it; raises StartupError on any user error."""
    environ = request_environ.install()
    variables = platform_environ.platform_variables(settings, config, environ.process_environ)
    environ.process_environ.update(variables)

    login_cookie = devlogin.LoginCookie() if settings.identity_source == 'dev-login' else None
    # Before the app is imported: a bad identity setting must stop the container with one line.
    identity_source = identity.identity_source(settings, login_cookie)
    dispatcher = app_loader.AppLoader(config).load()
    readiness = health.Readiness()
    readiness.app_loaded = True
    if config.warmup_enabled:
        readiness.warmup_done = warmup.SharedFlag()

    app = blob_serving.BlobServingMiddleware(dispatcher)
    app = request_environ.RequestEnvironMiddleware(app, environ, variables)
    platform = handler_rules.InboundMailGuard(app)
    # Outside the request environment, so the app's os.environ describes the rewritten request.
    platform = blob_upload.BlobUploadMiddleware(platform, (settings.api_host or '127.0.0.1', settings.api_port))
    if login_cookie is not None:
        platform = devlogin.DevLoginPage(platform, login_cookie)
    health_checks = health.HealthCheckMiddleware(platform, readiness, settings.health_path, config.liveness_path,
                                                 config.readiness_path, dispatcher.names_path)
    app = PlatformPathGate(app, health_checks, health_checks.paths())
    app = proxy.TrustedProxyMiddleware(app, settings.trusted_proxies)
    app = identity.IdentityMiddleware(app, identity_source, variables['AUTH_DOMAIN'])
    app = logs.RequestLogMiddleware(app, variables['GOOGLE_CLOUD_PROJECT'])
    return ServedApp(app, readiness, variables)


class PlatformPathGate(object):
    """Sends requests for the paths the runtime answers itself (health checks, and everything under /_ah/:
    sign-in, blob uploads, inbound mail) through `platform_layers`, which end in `app`; every other request goes
    straight to `app`. One test per request instead of entering four layers that would each pass it on."""

    PREFIX = '/_ah/'

    def __init__(self, app, platform_layers, exact_paths):
        self.app = app
        self.platform_layers = platform_layers
        self.exact_paths = frozenset(exact_paths)

    def __call__(self, environ, start_response):
        path = environ.get('PATH_INFO') or ''
        if path[:5] == self.PREFIX or path in self.exact_paths:
            return self.platform_layers(environ, start_response)
        return self.app(environ, start_response)
