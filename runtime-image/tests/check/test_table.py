"""The `check` report's table and closing line; every README section a row points to exists."""

import os
import re

from python_compat.check import rows
from python_compat.check import table
from python_compat.check.rows import Row

README = os.environ.get('PYTHON_COMPAT_README', '')


def test_columns_are_aligned_with_the_long_one_last():
    lines = table.format_table([Row('app.yaml runtime: python27', rows.AS_ON_APP_ENGINE, '', rows.APP_YAML),
                                Row('API users (main.py)', rows.needs('IDENTITY_SOURCE'), 'anonymous', rows.IDENTITY)])

    assert lines == [
        'USED BY THE APP             README SECTION              HOW THIS RUNTIME SERVES IT',
        'app.yaml runtime: python27  app.yaml: what is honoured  as on App Engine',
        'API users (main.py)         Identity and login          needs IDENTITY_SOURCE: anonymous']


def test_an_app_with_a_cannot_run_row_cannot_run():
    found = [Row('a', rows.AS_ON_APP_ENGINE, '', rows.APP_YAML), Row('b', rows.CANNOT_RUN, 'x', rows.APP_YAML)]

    assert not table.can_run(found)
    assert table.verdict(found) == ('This app cannot run on python-compat: 1 problem marked "cannot run" stops it at '
                                    'start-up.')


def test_the_closing_line_counts_what_needs_attention():
    found = [Row('a', rows.needs('X'), '', rows.APP_YAML), Row('b', rows.needs('Y'), '', rows.APP_YAML),
             Row('c', rows.WARNING, '', rows.APP_YAML), Row('d', rows.IGNORED, '', rows.APP_YAML)]

    assert table.can_run(found)
    assert table.verdict(found) == 'This app can run on python-compat (2 need configuration, 1 warning).'


def test_an_app_served_entirely_as_on_app_engine_says_so():
    assert table.verdict([Row('a', rows.AS_ON_APP_ENGINE, '', rows.APP_YAML)]) == 'This app can run on python-compat.'


def test_every_section_a_row_names_is_a_readme_heading():
    with open(README) as readme:
        headings = set(re.findall(r'^#+ (.+)$', readme.read(), re.MULTILINE))

    assert set(rows.SECTIONS) <= headings
