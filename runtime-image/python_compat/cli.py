"""Subcommands of the runtime image's entrypoint: serve (the default), check, print-config, version, api-server."""

from __future__ import print_function

import argparse
import sys

from python_compat.errors import StartupError


def print_config():
    """Prints every setting this container would serve with and where each came from, without serving."""
    from python_compat.config.settings import read_settings
    from python_compat.serving import gunicorn_settings
    from python_compat.serving.serve import report_and_exit
    try:
        settings = read_settings()
        effective = gunicorn_settings.effective_settings(settings)
    except StartupError as error:
        report_and_exit(error)
    print('# gunicorn')
    for line in effective.describe():
        print(line)
    print('# environment variables')
    for name, shown, source in settings.described():
        print('%-24s = %-24s (%s)' % (name, shown, source))


def check():
    """Prints the compatibility report of the app in APP_ROOT and exits 1 when it cannot run here."""
    import logging
    from python_compat.check import command
    from python_compat.config.settings import read_variable
    from python_compat.serving.serve import report_and_exit
    # The SDK's parsers warn through logging (e.g. a reserved URL): to stderr, apart from the report.
    logging.basicConfig(level=logging.WARNING, format='%(levelname)s: %(message)s')
    try:
        app_root = read_variable('APP_ROOT')
    except StartupError as error:
        report_and_exit(error)
    sys.exit(command.run_check(app_root))


def print_version():
    from python_compat.config.settings import read_variable
    print(read_variable('PYTHON_COMPAT_VERSION'))


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python-compat', description='Serve an App Engine python27 app.')
    commands = parser.add_subparsers(dest='command')
    commands.add_parser('serve', help='serve the app in $APP_ROOT (default)')
    commands.add_parser('check', help='report how this runtime serves the app in $APP_ROOT (exit 1: it cannot run)')
    commands.add_parser('print-config', help='print the effective settings and their sources')
    commands.add_parser('version', help='print the runtime version')
    commands.add_parser('api-server', help='run only the App Engine API server (see --help)', add_help=False)
    argv = (sys.argv[1:] if argv is None else argv) or ['serve']
    if argv[0] == 'api-server':
        # Its own container, shared by several app containers.
        from python_compat import apiserver
        apiserver.main(argv[1:])
        return
    args = parser.parse_args(argv)
    if args.command == 'serve':
        from python_compat.supervisor.main import serve
        serve()
    elif args.command == 'check':
        check()
    elif args.command == 'print-config':
        print_config()
    else:
        print_version()
