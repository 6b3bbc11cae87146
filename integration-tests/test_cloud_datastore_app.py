"""An unchanged App Engine app on its existing Cloud Datastore data, with only environment variables changed.

The test writes entities as App Engine stored them (through the emulator's own v1 API: a parent, a
namespace, every property type ndb and db use, a KeyProperty naming another app), then the fixture app
(apps/cloud-datastore) reads, queries, updates and writes them back through ndb and db; afterwards the v1
entity must be what it was, but for the property the app changed. The emulator requires composite indexes
(the app's index.yaml), so a query outside it raises NeedIndexError in the app.

Network: the emulator listens on the host's 127.0.0.1; the app container shares the host's network namespace
and binds gunicorn and its API server to 127.0.0.1 on free ports. No traffic leaves loopback.
"""

import base64
import copy

import pytest
import requests

from cloud_datastore_emulator import DATASTORE, Emulator
from fixture_images import APPS
from host_network_apps import app_on_host_network

PROJECT = 'legacy-app'
APP_ID = 's~' + PROJECT
PARENT_PATH = [{'kind': 'Parent', 'name': 'p1'}]
# ndb.Key('Parent', 'p1', 'Legacy', 'all-types').urlsafe() as App Engine made it for s~legacy-app.
URLSAFE_FROM_APP_ENGINE = 'agxzfmxlZ2FjeS1hcHByIwsSBlBhcmVudCICcDEMCxIGTGVnYWN5IglhbGwtdHlwZXMM'


def key(*path, namespace=None):
    """A v1 key (JSON) in the app's project, under PARENT_PATH: key(('Legacy', 'all-types'))."""
    partition = {'projectId': PROJECT}
    if namespace:
        partition['namespaceId'] = namespace
    elements = list(PARENT_PATH)
    for kind, name in path:
        elements.append({'kind': kind, 'name': name})
    return {'partitionId': partition, 'path': elements}


def b64(data):
    return base64.b64encode(data).decode()


# Legacy (apps/cloud-datastore/models.py) as App Engine's datastore kept it, seen through v1.
LEGACY_PROPERTIES = {
    'int_p': {'integerValue': '42'},
    'float_p': {'doubleValue': 2.5},
    'bool_p': {'booleanValue': True},
    'str_p': {'stringValue': 'hello'},
    'bytes_p': {'blobValue': b64(b'\x00\x01bytes')},
    'text_p': {'stringValue': 'long text \u00e9', 'meaning': 15, 'excludeFromIndexes': True},
    'blob_p': {'blobValue': b64(b'\xff' * 600), 'excludeFromIndexes': True},
    'dt_p': {'timestampValue': '2015-06-07T08:09:10.123456Z'},
    'date_p': {'timestampValue': '2014-01-02T00:00:00Z'},
    'time_p': {'timestampValue': '1970-01-01T13:14:15Z'},
    'geo_p': {'geoPointValue': {'latitude': 52.5, 'longitude': 13.4}},
    'user_p': {'meaning': 20, 'entityValue': {'properties': {
        'email': {'stringValue': 'ada@example.com', 'excludeFromIndexes': True},
        'auth_domain': {'stringValue': 'gmail.com', 'excludeFromIndexes': True},
        'user_id': {'stringValue': '1234', 'excludeFromIndexes': True}}}},
    'key_p': {'keyValue': {'partitionId': {'projectId': 'elsewhere-app'}, 'path': [{'kind': 'Other', 'id': '5'}]}},
    'rep_p': {'arrayValue': {'values': [{'integerValue': '1'}, {'integerValue': '2'}, {'integerValue': '3'}]}},
    'struct_p.name': {'stringValue': 's'},
    'struct_p.n': {'integerValue': '1'},
    'local_p': {'entityValue': {'properties': {'name': {'stringValue': 'inner'}, 'n': {'integerValue': '7'}}},
                'excludeFromIndexes': True},
    'json_p': {'blobValue': b64(b'{"a":[1,2]}'), 'excludeFromIndexes': True},
    # Python 2's pickle of {'x': 1}, as PickleProperty stored it.
    'pickle_p': {'blobValue': 'gAJ9cQFVAXhLAXMu', 'excludeFromIndexes': True},
    'computed_p': {'integerValue': '84'},
}
DB_LEGACY_PROPERTIES = {
    'str_p': {'stringValue': 's'},
    'text_p': {'stringValue': 't', 'meaning': 15, 'excludeFromIndexes': True},
    'blob_p': {'blobValue': b64(b'b'), 'excludeFromIndexes': True},
    'dt_p': {'timestampValue': '2010-01-01T00:00:00Z'},
    'list_p': {'arrayValue': {'values': [{'integerValue': '5'}, {'integerValue': '6'}]}},
    'ref_p': {'keyValue': {'partitionId': {'projectId': PROJECT}, 'path': [{'kind': 'Other', 'name': 'x'}]}},
    'user_p': {'meaning': 20, 'entityValue': {'properties': {
        'email': {'stringValue': 'bob@example.com', 'excludeFromIndexes': True},
        'auth_domain': {'stringValue': 'gmail.com', 'excludeFromIndexes': True},
        # App Engine stored every User with its obfuscated id (the emulator adds one when it is missing).
        'user_id': {'stringValue': '987654321', 'excludeFromIndexes': True}}}},
    'geo_p': {'geoPointValue': {'latitude': 1.5, 'longitude': 2.5}},
    'link_p': {'stringValue': 'http://example.com/', 'meaning': 2},
    'email_p': {'stringValue': 'e@example.com', 'meaning': 8},
    'rating_p': {'integerValue': '80', 'meaning': 13},
    'int_p': {'integerValue': '1'},
}


class V1(object):
    """The emulator's own v1 REST API (JSON), as another client of the database."""

    def __init__(self, host):
        self.base = 'http://%s/v1/projects/%s:' % (host, PROJECT)

    def call(self, method, body):
        reply = requests.post(self.base + method, json=body, timeout=30)
        assert reply.status_code == 200, reply.text
        return reply.json()

    def upsert(self, entity_key, properties):
        self.call('commit', {'mode': 'NON_TRANSACTIONAL',
                             'mutations': [{'upsert': {'key': entity_key, 'properties': properties}}]})

    def properties(self, entity_key):
        found = self.call('lookup', {'keys': [entity_key]}).get('found', [])
        return found[0]['entity'].get('properties') if found else None


@pytest.fixture(scope='module')
def emulator():
    running = Emulator(DATASTORE, ['--auto_id_policy=SCATTERED', '--require_indexes',
                                   '--index_file=%s' % (APPS / 'cloud-datastore' / 'index.yaml')]).start()
    yield running
    running.stop()


@pytest.fixture(scope='module')
def v1(emulator):
    api = V1(emulator.host)
    api.upsert(key(('Legacy', 'all-types')), LEGACY_PROPERTIES)
    api.upsert(key(('Legacy', 'in-tenant'), namespace='tenant-a'), {'str_p': {'stringValue': 'tenant data'}})
    api.upsert(key(('DbLegacy', 'db-types')), DB_LEGACY_PROPERTIES)
    return api


@pytest.fixture(scope='module')
def app(docker_client, app_image, emulator, v1):
    """The fixture app, unchanged, with only the datastore variables set."""
    with app_on_host_network(docker_client, app_image('cloud-datastore'), {
            'APPLICATION_ID': APP_ID, 'DATASTORE_BACKEND': 'cloud-datastore', 'DATASTORE_PROJECT_ID': PROJECT,
            'DATASTORE_EMULATOR_HOST': emulator.host,
            'DATASTORE_ADDITIONAL_APP_IDS': 'e~elsewhere-app'}) as running:
        yield running


def test_ndb_reads_every_property_type_app_engine_stored(app):
    values = app.get('/ndb/get', urlsafe=URLSAFE_FROM_APP_ENGINE).json()

    assert values == {
        '__key__': URLSAFE_FROM_APP_ENGINE,
        'int_p': '42', 'float_p': '2.5', 'bool_p': 'True', 'str_p': "u'hello'", 'bytes_p': "'\\x00\\x01bytes'",
        'text_p': "u'long text \\xe9'", 'blob_p': "'%s'" % ('\\xff' * 600),
        'dt_p': 'datetime.datetime(2015, 6, 7, 8, 9, 10, 123456)', 'date_p': 'datetime.date(2014, 1, 2)',
        'time_p': 'datetime.time(13, 14, 15)', 'geo_p': 'datastore_types.GeoPt(52.5, 13.4)',
        'user_p': "users.User(email='ada@example.com',_user_id='1234')",
        'key_p': "Key('Other', 5, app='e~elsewhere-app')", 'rep_p': '[1, 2, 3]',
        'struct_p': "Inner(n=1, name=u's')", 'local_p': "Inner(n=7, name=u'inner')",
        'json_p': "{u'a': [1, 2]}", 'pickle_p': "{'x': 1}", 'computed_p': '84',
    }


def test_ndb_update_writes_back_everything_else_unchanged(app, v1):
    assert app.post('/ndb/touch', urlsafe=URLSAFE_FROM_APP_ENGINE).json() == 43

    stored = v1.properties(key(('Legacy', 'all-types')))

    expected = copy.deepcopy(LEGACY_PROPERTIES)
    expected['int_p'] = {'integerValue': '43'}
    expected['computed_p'] = {'integerValue': '86'}
    assert stored == expected


def test_ndb_query_uses_a_declared_composite_index(app):
    assert app.get('/ndb/query').json() == [URLSAFE_FROM_APP_ENGINE]


def test_query_missing_from_index_yaml_raises_need_index_error(app):
    assert app.get('/ndb/need-index').json() == 'NeedIndexError'


def test_namespaced_data_is_read_in_its_namespace(app):
    found = app.get('/ndb/namespace', namespace='tenant-a').json()

    assert [entity['str_p'] for entity in found] == ["u'tenant data'"]


def test_an_entity_the_app_creates_is_stored_as_app_engine_stored_it(app, v1):
    app.post('/ndb/create', name='fresh')

    assert v1.properties(key(('Legacy', 'fresh'))) == LEGACY_PROPERTIES


def test_db_reads_queries_and_updates_its_entity(app, v1):
    db_key = app.get('/db/query').json()
    assert len(db_key) == 1
    values = app.get('/db/get', key=db_key[0]).json()

    assert values['email_p'] == "u'e@example.com'" and values['rating_p'] == '80L'
    assert values['user_p'] == "users.User(email='bob@example.com',_user_id='987654321')"
    assert values['link_p'] == "u'http://example.com/'" and values['list_p'] == '[5L, 6L]'
    assert values['ref_p'] == "datastore_types.Key.from_path(u'Other', u'x', _app=u's~legacy-app')"
    assert app.post('/db/touch', key=db_key[0]).json() == 2
    expected = copy.deepcopy(DB_LEGACY_PROPERTIES)
    expected['int_p'] = {'integerValue': '2'}
    assert v1.properties(key(('DbLegacy', 'db-types'))) == expected
