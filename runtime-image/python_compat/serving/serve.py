"""The gunicorn master (started by the supervisor as `python -m python_compat.serving`): validates the app, loads it
into its request pipeline, then runs gunicorn.

Order matters: settings (a bad variable stops here) -> gevent's monkey-patching, before the app or the SDK is
imported -> app.yaml and cron.yaml checked -> logging -> the API client, before the app is imported (apps call
APIs at import time: the first such call asks the supervisor to start the API server and waits while it starts)
-> the app loaded inside its request pipeline -> the API server asked for, if no call did -> gunicorn forks the
workers. This process and its workers run the app's code: they hold no secret of the runtime,
only the sha256 of the tokens they check (supervisor/handoff.py).
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


def serve(secrets=None):
    """Serves the app in APP_ROOT until gunicorn stops; any user error ends here with one line. `secrets`: the
    variables the supervisor handed on stdin (API_SERVER_SECRET, which the API client signs calls with)."""
    from python_compat import lazy_pkg_resources
    lazy_pkg_resources.install()  # before gunicorn and gevent are imported: both import it
    from python_compat.config import variables
    from python_compat.config.settings import read_settings
    from python_compat.serving import gunicorn_settings
    try:
        # Into os.environ itself, so the settings remove every secret variable from it once read.
        os.environ.update(secrets or {})
        settings = read_settings(variables.APP, os.environ)
        effective = gunicorn_settings.effective_settings(settings)
        if 'gevent' in str(effective.value('worker_class')).lower():
            # Before the app (and the SDK) is imported, so every module sees cooperative sockets and locks.
            from gevent import monkey
            monkey.patch_all()
        from python_compat.app import appyaml
        from python_compat.background import cron
        from python_compat.logs import setup as log_setup
        from python_compat.pipeline import served_app
        from python_compat.supervisor import handoff
        from python_compat.wire import internal_token
        if settings.internal_token_sha256:
            internal_token.check_only(settings.internal_token_sha256)
        config = appyaml.load_app_yaml(os.path.join(settings.app_root, 'app.yaml'))
        # Checked here, where a mistake stops the container with one line; the supervisor schedules the jobs.
        cron_jobs = cron.load_cron_jobs(config.root)
        log_setup.configure(settings.log_format, settings.log_level)
        if not settings.cron_enabled:
            cron.note_not_scheduled(cron_jobs)
        start_api_server = handoff.ApiServerStarter(settings.api_server_starter_pid)
        _connect_app_engine_apis(settings, config, start_api_server)
        served = served_app.build_served_app(settings, config)
        start_api_server()  # the app is loaded: the API server starts while gunicorn forks the workers
    except StartupError as error:
        report_and_exit(error)
    from python_compat.serving import gunicorn_app
    gunicorn_app.PreloadedApplication(served.wsgi_app, effective, settings.runtime_patches).run()


def _connect_app_engine_apis(settings, config, start_api_server):
    """Routes the app's API calls to API_HOST, or to the API server the supervisor runs (started by
    `start_api_server()` if the app calls an API before it is loaded), before the app is imported."""
    from python_compat import apiclient
    from python_compat.config import platform_variables
    apiclient.install(settings.api_host or '127.0.0.1', settings.api_port, settings.api_server_secret,
                      settings.api_unix_socket, when_not_listening=start_api_server,
                      memcache_store=settings.memcache_store, memcache_max_bytes=settings.memcache_max_bytes,
                      datastore_file=settings.datastore_file, app_root=settings.app_root,
                      app_id=platform_variables.application_id(settings, config.application))
    apiclient.set_default_ticket(settings.default_ticket)
    apiclient.set_ndb_debug(settings.ndb_debug)
