"""Builds what serves one app: the loaded handlers inside the request pipeline (request_pipeline.py), whose
platform paths go through health checks -> development sign-in page (only with IDENTITY_SOURCE=dev-login) ->
blobstore uploads (stored by the API server, then re-served as the success path's request) -> inbound mail
guard before they reach the app.
"""

from python_compat import app_loader
from python_compat import blob_upload
from python_compat import devlogin
from python_compat import handler_rules
from python_compat import health
from python_compat import identity
from python_compat import platform_environ
from python_compat import proxy
from python_compat import request_environ
from python_compat import request_pipeline
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
    environ.platform_variables = variables

    login_cookie = devlogin.LoginCookie() if settings.identity_source == 'dev-login' else None
    # Before the app is imported: a bad identity setting must stop the container with one line.
    identity_source = identity.identity_source(settings, login_cookie)
    dispatcher = app_loader.AppLoader(config).load()
    readiness = health.Readiness()
    readiness.app_loaded = True
    if config.warmup_enabled:
        readiness.warmup_done = warmup.SharedFlag()

    platform = handler_rules.InboundMailGuard(request_pipeline.app_after_platform_layers)
    # Outside the request environment, so the app's os.environ describes the rewritten request.
    platform = blob_upload.BlobUploadMiddleware(platform, (settings.api_host or '127.0.0.1', settings.api_port))
    if login_cookie is not None:
        platform = devlogin.DevLoginPage(platform, login_cookie)
    health_checks = health.HealthCheckMiddleware(platform, readiness, settings.health_path, config.liveness_path,
                                                 config.readiness_path, dispatcher.names_path)
    pipeline = request_pipeline.RequestPipeline(
        dispatcher, identity.UserKeys(identity_source, variables['AUTH_DOMAIN']),
        proxy.TrustedProxy(settings.trusted_proxies), environ, variables['GOOGLE_CLOUD_PROJECT'],
        health_checks, health_checks.paths())
    return ServedApp(pipeline, readiness, variables)
