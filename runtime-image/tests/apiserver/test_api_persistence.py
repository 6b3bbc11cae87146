"""What the API server keeps across a restart on the same storage path."""

import contextlib
import os
import signal
import sqlite3
import uuid

from google.appengine.api import search
from google.appengine.ext import ndb

from python_compat.apiserver import stub_factories


class Keepsake(ndb.Model):
    label = ndb.StringProperty()


def test_entities_survive_a_server_restart(api, api_server):
    key = Keepsake(label='kept').put()

    api_server.restart()

    assert key.get(use_cache=False, use_memcache=False).label == 'kept'
    assert 'kept' in [k.label for k in Keepsake.query()]


def test_search_indexes_survive_a_clean_restart(api, api_server):
    index = search.Index(name='kept-%s' % uuid.uuid4().hex[:8])
    index.put(search.Document(doc_id='d1', fields=[search.TextField(name='body', value='durable words')]))

    api_server.restart()

    assert [doc.doc_id for doc in index.search('durable')] == ['d1']


def test_entities_committed_before_the_server_is_killed_survive(api, api_server):
    key = Keepsake(label='acknowledged').put()

    api_server._process.send_signal(signal.SIGKILL)  # pylint: disable=protected-access
    api_server._process.wait()  # pylint: disable=protected-access
    api_server.start()

    assert key.get(use_cache=False, use_memcache=False).label == 'acknowledged'


def test_datastore_file_is_a_write_ahead_log_database(api, api_server):
    Keepsake(label='logged').put()

    datastore_file = os.path.join(api_server.storage_path, stub_factories.DATASTORE_FILE)
    with contextlib.closing(sqlite3.connect(datastore_file)) as db:
        assert db.execute('PRAGMA journal_mode').fetchone()[0] == 'wal'
