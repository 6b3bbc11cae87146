"""Builds the WSGI pipeline that serves one app, outermost layer first:

request log -> identity (the user, from the one configured source) -> trusted proxy (client address, scheme,
platform headers stripped) -> the runtime's own requests run as admin -> health checks -> development sign-in
page (only with IDENTITY_SOURCE=dev-login) -> blobstore uploads (stored by the API server, then re-served as
the success path's request) -> per-request os.environ -> API ticket -> blobstore downloads (X-AppEngine-BlobKey
responses become the blob) -> inbound mail guard -> app.yaml handlers.
"""

from python_compat import api_ticket
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

    app = handler_rules.InboundMailGuard(dispatcher)
    app = blob_serving.BlobServingMiddleware(app)
    app = api_ticket.ApiTicketMiddleware(app)
    app = request_environ.RequestEnvironMiddleware(app, environ, variables)
    # Outside the request environment, so the app's os.environ describes the rewritten request.
    app = blob_upload.BlobUploadMiddleware(app, (settings.api_host or '127.0.0.1', settings.api_port))
    if login_cookie is not None:
        app = devlogin.DevLoginPage(app, login_cookie)
    app = health.HealthCheckMiddleware(app, readiness, settings.health_path, config.liveness_path,
                                       config.readiness_path, dispatcher.names_path)
    app = identity.PlatformRequestsAreAdmin(app)
    app = proxy.TrustedProxyMiddleware(app, settings.trusted_proxies)
    app = identity.IdentityMiddleware(app, identity_source, variables['AUTH_DOMAIN'])
    app = logs.RequestLogMiddleware(app, variables['GOOGLE_CLOUD_PROJECT'])
    return ServedApp(app, readiness, variables)
