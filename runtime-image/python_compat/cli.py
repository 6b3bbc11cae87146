"""Subcommands of the runtime image's entrypoint."""

import argparse
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python-compat')
    subcommands = parser.add_subparsers(dest='command')
    subcommands.add_parser('version', help='print the runtime version')
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == 'version':
        import os
        print(os.environ.get('PYTHON_COMPAT_VERSION', 'unknown'))
