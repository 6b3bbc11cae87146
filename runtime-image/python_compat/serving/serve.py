"""`serve`: validates everything, connects the App Engine APIs, loads the app, then runs gunicorn.

Order matters: settings (a bad variable stops here) -> gevent's monkey-patching, before the app or the SDK is
imported -> app.yaml and cron.yaml checked -> logging -> the API server (embedded, or API_HOST) and the API client,
before the app is imported (apps call APIs at import time) -> the app loaded inside its request pipeline ->
warmup and cron from the master -> gunicorn forks the workers.
"""

from __future__ import print_function

import os
import sys

from python_compat.errors import StartupError


def report_and_exit(error):
    """Prints a StartupError as its one line (and the app's traceback when it is the app's), then exits 1."""
    print('python-compat: %s' % error.line(), file=sys.stderr)
    if error.app_traceback:
        print(error.app_traceback.rstrip(), file=sys.stderr)
    sys.exit(1)


def serve():
    """Serves the app in APP_ROOT until gunicorn stops; any user error ends here with one line."""
    from python_compat.config.settings import read_settings
    from python_compat.serving import gunicorn_settings
    try:
        settings = read_settings()
        effective = gunicorn_settings.effective_settings(settings)
        if 'gevent' in str(effective.value('worker_class')):
            # Before the app (and the SDK) is imported, so every module sees cooperative sockets and locks.
            from gevent import monkey
            monkey.patch_all()
        from python_compat.app import appyaml
        from python_compat.background import cron
        from python_compat.logs import setup as log_setup
        from python_compat.pipeline import served_app
        from python_compat.wire import internal_token
        internal_token.use_secret(settings.internal_request_secret)
        config = appyaml.load_app_yaml(os.path.join(settings.app_root, 'app.yaml'))
        cron_service = cron.configure(config.root, settings.cron_enabled, settings.cron_clock_speedup)
        log_setup.configure(settings.log_format, settings.log_level)
        _connect_app_engine_apis(settings, config)
        served = served_app.build_served_app(settings, config)
    except StartupError as error:
        report_and_exit(error)
    from python_compat.background import warmup
    from python_compat.serving import gunicorn_app
    if served.readiness.warmup_done is not None:
        warmup.start_warmup_thread(settings.port, served.readiness.warmup_done)
    cron_service.start(settings.port)
    gunicorn_app.PreloadedApplication(served.wsgi_app, effective, settings.runtime_patches).run()


def _connect_app_engine_apis(settings, config):
    """Routes the app's API calls to API_HOST, or to an API server started here, before the app is imported."""
    from python_compat import apiclient
    from python_compat.config import platform_variables
    from python_compat.serving import embedded_api_server
    if settings.api_host is None:
        app_id = platform_variables.application_id(settings, config)
        embedded = embedded_api_server.EmbeddedApiServer(app_id, settings.api_port, settings.api_storage_path,
                                                         settings.app_root, 'http://127.0.0.1:%d' % settings.port,
                                                         settings.api_server_environment)
        embedded.start()
        embedded.start_supervisor()
    apiclient.install(settings.api_host or '127.0.0.1', settings.api_port)
    apiclient.set_default_ticket(settings.default_ticket)
    apiclient.set_ndb_debug(settings.ndb_debug)
