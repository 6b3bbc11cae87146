"""`check`: prints the compatibility report of the app in APP_ROOT; exit status 1 when the app cannot run here."""

from __future__ import print_function

import os
import re
import sys

from python_compat.check import api_rows
from python_compat.check import app_yaml_rows
from python_compat.check import companion_rows
from python_compat.check import imports_scan
from python_compat.check import table


def report_rows(app_root):
    """Every row of the report of the app in `app_root`: app.yaml, its companions, then the APIs it imports."""
    config, found = app_yaml_rows.load(app_root)
    found.extend(companion_rows.companion_rows(app_root))
    skip_files = config.info.skip_files if config is not None else None
    handler_urls = [re.compile('^(?:%s)$' % handler.url) for handler in config.handlers] if config else []
    found.extend(api_rows.api_rows(imports_scan.scan(app_root, skip_files), handler_urls))
    return found


def run_check(app_root, out=sys.stdout):
    """Prints the report of the app in `app_root` to `out`; returns the exit status (0: it can run, 1: not)."""
    found = report_rows(app_root)
    print('python-compat check of %s' % os.path.abspath(app_root), file=out)
    print('', file=out)
    for line in table.format_table(found):
        print(line.rstrip(), file=out)
    print('', file=out)
    print(table.verdict(found), file=out)
    return 0 if table.can_run(found) else 1
