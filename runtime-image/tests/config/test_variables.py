"""variables: the one table of environment variables, the README generated from it, no reader elsewhere."""

import os
import re

from python_compat.config import readme_table
from python_compat.config import variables

PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(variables.__file__)))
# The README is mounted next to the tests when they run from a checkout (make unit-test).
README = os.environ.get('PYTHON_COMPAT_README') or os.path.join(os.path.dirname(PACKAGE), 'README.md')
TABLE_START = '<!-- environment variables: generated from runtime-image/python_compat/config/variables.py -->'
TABLE_END = '<!-- end of environment variables -->'


def test_every_variable_is_declared_once():
    names = [variable.name for variable in variables.VARIABLES]

    assert len(names) == len(set(names))


def test_every_default_parses():
    for variable in variables.VARIABLES:
        if variable.default is not None:
            variable.parse(variable.default)


def _readme():
    assert os.path.isfile(README), ('no README at %s: mount the checkout\'s README.md, PYTHON_COMPAT_README names it'
                                    % README)
    with open(README) as readme:
        return readme.read()


def test_readme_table_is_the_generated_one():
    text = _readme()
    start, end = text.index(TABLE_START) + len(TABLE_START), text.index(TABLE_END)

    assert text[start:end].strip() == readme_table.markdown_table().strip()


def _python_sources():
    for directory, _, files in os.walk(PACKAGE):
        for name in files:
            if name.endswith('.py'):
                yield os.path.join(directory, name)


def test_no_module_outside_config_reads_a_variable():
    names = '|'.join(re.escape(variable.name) for variable in variables.VARIABLES)
    reader = re.compile(r"""(?:environ|getenv)(?:\.get|\.pop)?\(?\s*\[?\s*['"](%s)['"]""" % names)
    config = os.path.dirname(os.path.abspath(variables.__file__))
    readers = []
    for path in _python_sources():
        if os.path.dirname(path) == config:
            continue
        with open(path) as source:
            for number, line in enumerate(source, 1):
                if reader.search(line) and not re.search(r"\]\s*=[^=]", line):  # a write is not a read
                    readers.append('%s:%d: %s' % (os.path.relpath(path, PACKAGE), number, line.strip()))

    assert readers == []
