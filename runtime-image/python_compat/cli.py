"""Subcommands of the runtime image's entrypoint: serve (the default), print-config, version."""

from __future__ import print_function

import argparse
import os
import sys

from python_compat.errors import StartupError


def _report_and_exit(error):
    print('python-compat: %s' % error.line(), file=sys.stderr)
    if error.app_traceback:
        print(error.app_traceback.rstrip(), file=sys.stderr)
    sys.exit(1)


def _app_yaml_path(settings):
    return os.path.join(settings.app_root, 'app.yaml')


def serve():
    """Validates everything, loads the app, then serves it; any user error ends here with one line."""
    from python_compat import settings as settings_module
    from python_compat import gunicorn_settings
    try:
        settings = settings_module.from_process_environment()
        effective = gunicorn_settings.effective_settings(settings)
        if 'gevent' in str(effective.value('worker_class')):
            # Before the app (and the SDK) is imported, so every module sees cooperative sockets and locks.
            from gevent import monkey
            monkey.patch_all()
        from python_compat import appyaml, cron, logs, wsgi, warmup
        config = appyaml.load_app_yaml(_app_yaml_path(settings))
        cron_service = cron.configure(config.root, os.environ)
        logs.configure(settings.log_format, settings.log_level)
        _connect_app_engine_apis(settings, config)
        served = wsgi.build(settings, config)
    except StartupError as error:
        _report_and_exit(error)
    from python_compat import server
    if served.readiness.warmup_done is not None:
        warmup.start_warmup_thread(settings.port, served.readiness.warmup_done)
    cron_service.start(settings.port)
    server.PreloadedApplication(served.wsgi_app, effective).run()


def _connect_app_engine_apis(settings, config):
    """Routes the app's API calls to API_HOST, or to an API server started here, before the app is imported."""
    from python_compat import apiclient, api_process, platform_environ
    if settings.api_host is None:
        app_id = platform_environ.application_id(settings, config)
        embedded = api_process.EmbeddedApiServer(app_id, settings.api_port, settings.api_storage_path,
                                                 settings.app_root, 'http://127.0.0.1:%d' % settings.port)
        embedded.start()
        embedded.start_supervisor()
    apiclient.install(settings.api_host or '127.0.0.1', settings.api_port)
    apiclient.set_ndb_debug(settings.ndb_debug)


def api_server(argv):
    """Runs only the API server (its own container, shared by several app containers)."""
    from python_compat import apiserver
    apiserver.main(argv)


def print_config():
    """Prints the effective gunicorn configuration and where each value came from, without serving."""
    from python_compat import settings as settings_module
    from python_compat import gunicorn_settings
    try:
        settings = settings_module.from_process_environment()
        effective = gunicorn_settings.effective_settings(settings)
    except StartupError as error:
        _report_and_exit(error)
    for line in effective.describe():
        print(line)


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python-compat', description='Serve an App Engine python27 app.')
    commands = parser.add_subparsers(dest='command')
    commands.add_parser('serve', help='serve the app in $APP_ROOT (default)')
    commands.add_parser('print-config', help='print the effective gunicorn settings and their sources')
    commands.add_parser('version', help='print the runtime version')
    commands.add_parser('api-server', help='run only the App Engine API server (see --help)', add_help=False)
    argv = (sys.argv[1:] if argv is None else argv) or ['serve']
    if argv[0] == 'api-server':
        api_server(argv[1:])
        return
    args = parser.parse_args(argv)
    if args.command == 'serve':
        serve()
    elif args.command == 'print-config':
        print_config()
    else:
        print(os.environ.get('PYTHON_COMPAT_VERSION', 'unknown'))
