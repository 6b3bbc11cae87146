"""after_import: hooks run once a module is imported in full, and ndb is adjusted only when an app imports it."""

import subprocess
import sys

from python_compat.apiclient import after_import

LAZY_NDB = '''
import sys
from gevent.local import local
from python_compat import apiclient
from python_compat.apiclient import greenlet_state
per_greenlet = (local, greenlet_state._PerGreenletProxy)
apiclient.install('127.0.0.1', 1)
print('ndb imported by install: %s' % ('google.appengine.ext.ndb' in sys.modules))
from google.appengine.ext.ndb import eventloop, tasklets
adjusted = isinstance(eventloop._state, per_greenlet) and isinstance(tasklets._state, per_greenlet)
print('per greenlet once imported: %s' % adjusted)
'''

PACKAGE_HOOK = '''
from python_compat.apiclient import after_import
seen = []
after_import.call_after_import('json', lambda module: seen.append(sorted(name for name in ('decoder', 'encoder')
                                                                        if hasattr(module, name))))
import json
import json
print(seen)
'''


def test_install_leaves_ndb_unimported_and_adjusts_it_when_the_app_imports_it():
    output = subprocess.check_output([sys.executable, '-c', LAZY_NDB])

    assert output.splitlines() == ['ndb imported by install: False', 'per greenlet once imported: True']


def test_a_hook_runs_once_after_the_whole_package_is_imported():
    assert subprocess.check_output([sys.executable, '-c', PACKAGE_HOOK]).strip() == "[['decoder', 'encoder']]"


def test_a_hook_on_a_module_already_imported_runs_at_once():
    seen = []

    after_import.call_after_import('os', seen.append)

    assert seen == [sys.modules['os']]
