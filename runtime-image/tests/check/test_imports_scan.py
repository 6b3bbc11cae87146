"""imports_scan: the modules an app imports, read from its source."""

import re

from python_compat.check.imports_scan import imported_modules, python_files, scan


def test_import_and_from_import_both_count():
    source = 'import os, json\nfrom google.appengine.api import memcache, users as u\nfrom . import sibling\n'

    assert imported_modules(source) == {'os', 'json', 'google.appengine.api', 'google.appengine.api.memcache',
                                        'google.appengine.api.users'}


def test_imports_inside_functions_count():
    assert 'google.appengine.api.mail' in imported_modules('def send():\n    from google.appengine.api import mail\n')


def test_skip_files_and_hidden_directories_are_left_out(tmpdir):
    for name in ('main.py', 'tests/test_main.py', '.git/hook.py', 'lib/vendored.py', 'notes.txt'):
        tmpdir.join(name).write('', ensure=True)

    assert python_files(str(tmpdir), re.compile(r'^tests/.*$')) == ['lib/vendored.py', 'main.py']


def test_files_that_are_not_python_27_are_listed(tmpdir):
    tmpdir.join('main.py').write('from google.appengine.ext import ndb\n')
    tmpdir.join('py3.py').write('print("x", end="")\nasync def f(): pass\n')

    result = scan(str(tmpdir))

    assert result.modules['google.appengine.ext.ndb'] == ['main.py']
    assert result.unparsable == ['py3.py']
