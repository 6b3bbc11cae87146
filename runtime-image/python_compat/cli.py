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
        from python_compat import appyaml, logs, wsgi, warmup
        config = appyaml.load_app_yaml(_app_yaml_path(settings))
        logs.configure(settings.log_format, settings.log_level)
        served = wsgi.build(settings, config)
    except StartupError as error:
        _report_and_exit(error)
    from python_compat import server
    if served.readiness.warmup_done is not None:
        warmup.start_warmup_thread(settings.port, served.readiness.warmup_done)
    server.PreloadedApplication(served.wsgi_app, effective).run()


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
    args = parser.parse_args((sys.argv[1:] if argv is None else argv) or ['serve'])
    if args.command == 'serve':
        serve()
    elif args.command == 'print-config':
        print_config()
    else:
        print(os.environ.get('PYTHON_COMPAT_VERSION', 'unknown'))
