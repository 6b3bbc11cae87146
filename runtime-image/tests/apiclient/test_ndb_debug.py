"""set_ndb_debug: ndb's debugging aids off by default, its argument checks kept."""

import subprocess
import sys

import pytest

from google.appengine.ext.ndb import tasklets
from google.appengine.ext.ndb import utils

from python_compat import apiclient

# Start-up as the runtime does it, in a fresh interpreter: ndb decides at import whether to check positional
# arguments, and under pytest's -q flag it imports with its debugging already off.
STARTUP_THEN_CHECK = '''
from python_compat import apiclient
apiclient.install('127.0.0.1', 1)
apiclient.set_ndb_debug(False)
from google.appengine.ext import ndb
from google.appengine.ext.ndb import tasklets
try:
    ndb.Property('name', True)
except TypeError as error:
    print(error)
print(tasklets.Future()._where)
'''


@pytest.fixture
def ndb_debug_restored():
    saved = utils.DEBUG
    yield
    utils.DEBUG = saved


def test_off_futures_no_longer_record_where_they_were_made(ndb_debug_restored):
    apiclient.set_ndb_debug(False)

    assert tasklets.Future()._where == ()


def test_on_futures_record_where_they_were_made(ndb_debug_restored):
    apiclient.set_ndb_debug(True)

    assert any('test_on_futures_record_where_they_were_made' in line for line in tasklets.Future()._where)


def test_off_after_start_up_keeps_ndbs_positional_argument_checks():
    output = subprocess.check_output([sys.executable, '-c', STARTUP_THEN_CHECK])

    assert output.splitlines() == ['__init__() takes at most 2 positional arguments (3 given)', '()']
