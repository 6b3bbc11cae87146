"""sqlite_stub: the SDK's SQLite datastore as this server runs it."""

from google.appengine.api import apiproxy_stub_map
from google.appengine.api import datastore

from python_compat.apiserver.datastore import sqlite_stub


def test_queries_leave_the_apps_index_yaml_alone(tmpdir, monkeypatch):
    # dev_appserver's stub wrote each new query's composite index into the app's index.yaml.
    monkeypatch.setenv('APPLICATION_ID', 'dev~indexes')
    app_root = tmpdir.mkdir('app')
    stub_map = apiproxy_stub_map.APIProxyStubMap()
    stub_map.RegisterStub('datastore_v3', sqlite_stub.SqliteDatastoreStub(
        'dev~indexes', str(tmpdir.join('datastore.db')), require_indexes=False, trusted=True,
        root_path=str(app_root)))
    monkeypatch.setattr(apiproxy_stub_map, 'apiproxy', stub_map)
    datastore.Put(datastore.Entity('Note', _app='dev~indexes'))

    query = datastore.Query('Note', {'stars >': 1}, _app='dev~indexes')
    query.Order('stars', ('title', datastore.Query.DESCENDING))

    assert list(query.Run()) == []
    assert app_root.listdir() == []
