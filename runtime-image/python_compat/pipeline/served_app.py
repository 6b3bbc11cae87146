"""Builds what serves one app: its handlers, loaded, inside the request pipeline (request_pipeline.py) with the
platform steps the settings ask for."""

from python_compat.app import loader
from python_compat.pipeline import blob_upload
from python_compat.pipeline import devlogin
from python_compat.pipeline import inbound_mail
from python_compat.pipeline import health
from python_compat.pipeline import identity
from python_compat.config import platform_variables
from python_compat.pipeline import trusted_proxy
from python_compat.pipeline import request_environ
from python_compat.pipeline import request_pipeline
from python_compat.wire import api_signature
from python_compat.wire import container_status


class ServedApp(object):
    """The loaded app and what the server needs to know about it."""

    def __init__(self, wsgi_app, readiness, variables):
        self.wsgi_app = wsgi_app
        self.readiness = readiness
        self.variables = variables


def build_served_app(settings, config):
    """Loads the app described by `config` inside its request pipeline; raises StartupError on any user error."""
    environ = request_environ.install()
    variables = platform_variables.platform_variables(settings, config)
    environ.update(variables)  # no request is active: the process environment
    environ.platform_variables = variables

    login_cookie = devlogin.LoginCookie() if settings.identity_source == 'dev-login' else None
    # Before the app is imported: a bad identity setting must stop the container with one line.
    identity_source = identity.identity_source(settings, login_cookie)
    router = loader.AppLoader(config, settings.strict_startup).load()
    readiness = health.Readiness(container_status.ContainerStatus(settings.container_status_file))
    readiness.app_loaded = True

    health_checks = health.HealthChecks(readiness, settings.health_check_path, config.liveness_path,
                                        config.readiness_path, router.names_path)
    platform_steps = [health_checks.answer]
    if login_cookie is not None:
        platform_steps.append(devlogin.DevLoginPage(login_cookie).answer)
    platform_steps.append(inbound_mail.refusal)
    blob_upload.install_upload_url_hook()
    pipeline = request_pipeline.RequestPipeline(
        router, identity.UserKeys(identity_source, variables['AUTH_DOMAIN']),
        trusted_proxy.TrustedProxy(settings.trusted_proxies), environ, variables['GOOGLE_CLOUD_PROJECT'],
        platform_steps, blob_upload.BlobUploads((settings.api_host or '127.0.0.1', settings.api_port),
                                                api_signature.signer_for(settings.api_server_secret)),
        health_checks.paths())
    return ServedApp(pipeline, readiness, variables)
