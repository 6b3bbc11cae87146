"""sqlite_reads: datastore Gets read from the API server's SQLite file in the app's own process, answered exactly as
the API server's stub answers them, or left to it."""

import datetime
import os
import sqlite3

import pytest
from google.appengine.api import apiproxy_stub_map
from google.appengine.api import datastore
from google.appengine.api import datastore_types
from google.appengine.api import users
from google.appengine.datastore import datastore_pb
from google.appengine.datastore import datastore_sqlite_stub
from google.appengine.datastore import datastore_stub_util

from python_compat.apiserver.datastore import sqlite_reads
from python_compat.apiserver.datastore import sqlite_stub

APP = 'dev~reads'


@pytest.fixture
def stub(tmpdir, monkeypatch):
    """The API server's stub as the container runs it (`consistent`), installed for the SDK's datastore API."""
    monkeypatch.setenv('APPLICATION_ID', APP)
    made = sqlite_stub.SqliteDatastoreStub(APP, str(tmpdir.join('datastore.db')), require_indexes=False, trusted=True,
                                          consistency_policy=sqlite_stub.ApplyOnCommitConsistencyPolicy())
    stub_map = apiproxy_stub_map.APIProxyStubMap()
    stub_map.RegisterStub('datastore_v3', made)
    monkeypatch.setattr(apiproxy_stub_map, 'apiproxy', stub_map)
    yield made
    made.Close()


@pytest.fixture
def reader(stub):
    return sqlite_reads.SqliteGetReader(str(stub._DatastoreSqliteStub__datastore_file))  # pylint: disable=no-member


def get_request(keys, allow_deferred=False, failover=False, transaction=None):
    request = datastore_pb.GetRequest()
    for key in keys:
        request.add_key().CopyFrom(key._ToPb() if isinstance(key, datastore_types.Key) else key)
    request.set_allow_deferred(allow_deferred)
    if failover:
        request.set_failover_ms(1)
    if transaction is not None:
        request.mutable_transaction().CopyFrom(transaction)
    return request


def answers(stub, reader, request):
    """(the reader's answer or None when it leaves the call, the stub's answer), each an encoded GetResponse."""
    ours = datastore_pb.GetResponse()
    answered = reader.answer_get(request, ours)
    theirs = datastore_pb.GetResponse()
    stub.MakeSyncCall('datastore_v3', 'Get', request, theirs)
    return (ours.Encode() if answered else None), theirs.Encode()


def store_varied_entities():
    """Keys of entities of every property type, in two namespaces and nested groups, some updated or deleted, and
    keys never stored."""
    keys = []
    for namespace in ('', 'ns1'):
        parent = datastore.Entity('Parent', name=u'p\xe9re', namespace=namespace)
        parent['when'] = datetime.datetime(2026, 11, 29, 4, 30)
        keys.append(datastore.Put(parent))
        for number in range(60):
            entity = datastore.Entity('Child', parent=parent.key(), id=number + 1, namespace=namespace)
            entity.update({'text': u'caf\xe9 %d' % number, 'count': number, 'ratio': number / 7.0,
                           'flag': number % 2 == 0, 'nothing': None, 'tags': ['a', 'b', str(number)],
                           'user': users.User('u@example.com', _auth_domain='gmail.com'),
                           'long': datastore_types.Text('x' * 2000), 'bytes': datastore_types.Blob('\x00\xff' * 20),
                           'point': datastore_types.GeoPt(1.5, -2.5), 'ref': parent.key()})
            keys.append(datastore.Put(entity))
        by_name = datastore.Entity('Named', name='n"quote', namespace=namespace)
        by_name['value'] = 1
        keys.append(datastore.Put(by_name))
    for key in keys[5:10]:
        updated = datastore.Get(key)
        updated['count'] = -1
        datastore.Put(updated)
    datastore.Delete(keys[10:15])
    missing = [datastore.Key.from_path('Child', 999, parent=keys[0]), datastore.Key.from_path('Nobody', 'x')]
    return keys + missing


def test_every_get_is_answered_as_the_api_servers_stub_answers_it(stub, reader):
    keys = store_varied_entities()
    requests = [get_request([key]) for key in keys]
    for options in ({}, {'allow_deferred': True}, {'failover': True}):
        requests.append(get_request(keys[:40] + keys[-2:], **options))
        requests.append(get_request(list(reversed(keys[60:130])), **options))
    for request in requests:
        ours, theirs = answers(stub, reader, request)
        assert ours == theirs


def test_what_the_reader_does_as_the_stub_does_agrees_with_the_sdk():
    assert (sqlite_reads.MAXIMUM_RESULTS, sqlite_reads.MAXIMUM_RESULT_BYTES, sqlite_reads.METADATA_PROPERTY_NAME) == (
        datastore_stub_util._MAXIMUM_RESULTS, datastore_stub_util._MAXIMUM_QUERY_RESULT_BYTES,
        datastore_stub_util._METADATA_PROPERTY_NAME)
    special = datastore_stub_util._SPECIAL_PROPERTY_MAP
    assert sqlite_reads.INVISIBLE_PROPERTY_NAMES == set(special)
    assert not any(visible for visible, _, _ in special.values())
    sdk_encode = datastore_sqlite_stub.DatastoreSqliteStub._DatastoreSqliteStub__EncodeIndexPB
    for key in (datastore.Key.from_path('A', 1, 'B', u'n\xe9', _app=APP), datastore.Key.from_path('A', 'x', _app=APP)):
        assert sqlite_reads.encode_path(key._ToPb().path()) == sdk_encode(key._ToPb().path())


@pytest.mark.parametrize('case', ['transaction', 'pseudo-kind', 'incomplete key', 'namespace never written',
                                  'more keys than one response holds', 'key of no app', 'id and name',
                                  'name not UTF-8', 'kind not UTF-8', 'app not UTF-8'])
def test_what_only_the_api_server_can_answer_is_left_to_it(stub, reader, case):
    key = datastore.Put(datastore.Entity('Note'))
    request = {
        'transaction': lambda: get_request([key], transaction=_begin(stub)),
        'pseudo-kind': lambda: get_request([datastore.Key.from_path('Note', key.id(), '__entity_group__', 1)]),
        'incomplete key': lambda: get_request([datastore.Entity('Note').key()._ToPb()]),
        'namespace never written': lambda: get_request([datastore.Key.from_path('Note', 1, namespace='empty')]),
        'more keys than one response holds': lambda: get_request([key] * 301, allow_deferred=True),
        'key of no app': lambda: get_request([_without_app(key)]),
        'id and name': lambda: get_request([_edited(key, lambda reference: _last(reference).set_name('n'))]),
        'name not UTF-8': lambda: get_request([_edited(datastore.Key.from_path('Note', 'n'),
                                                       lambda reference: _last(reference).set_name('\xff'))]),
        'kind not UTF-8': lambda: get_request([_edited(key, lambda reference: _last(reference).set_type('\xff'))]),
        'app not UTF-8': lambda: get_request([_edited(key, lambda reference: reference.set_app('\xff'))]),
    }[case]()
    response = datastore_pb.GetResponse()
    assert reader.answer_get(request, response) is False
    assert response.Encode() == ''


def test_results_larger_than_one_response_are_left_to_the_api_server_to_defer(stub, reader):
    big = []
    for number in range(3):
        entity = datastore.Entity('Big', id=number + 1)
        entity['payload'] = datastore_types.Blob('x' * 900000)
        big.append(datastore.Put(entity))
    response = datastore_pb.GetResponse()
    assert reader.answer_get(get_request(big, allow_deferred=True), response) is False
    assert response.Encode() == ''
    # Without allow_deferred the stub answers every key in one response, and so does the reader.
    ours, theirs = answers(stub, reader, get_request(big))
    assert ours == theirs


def test_a_file_that_does_not_exist_yet_is_left_alone(tmpdir):
    path = tmpdir.join('not-yet.db')
    reader = sqlite_reads.SqliteGetReader(str(path))
    request = get_request([datastore.Key.from_path('Note', 1, _app=APP)])
    assert reader.answer_get(request, datastore_pb.GetResponse()) is False
    assert not path.exists()


def test_reads_resume_after_the_file_changed_under_them(stub, reader):
    key = datastore.Put(datastore.Entity('Note', name='first'))
    assert reader.answer_get(get_request([key]), datastore_pb.GetResponse())
    stub.Clear()  # drops every table: the reader's statement fails
    assert reader.answer_get(get_request([key]), datastore_pb.GetResponse()) is False
    datastore.Put(datastore.Entity('Note', name='first'))
    ours, theirs = answers(stub, reader, get_request([key]))
    assert ours == theirs


def test_a_damaged_row_is_left_to_the_api_server(stub, reader):
    key = datastore.Put(datastore.Entity('Note', name='damaged'))
    connection = sqlite3.connect(reader.path)
    connection.execute('UPDATE "%s!!Entities" SET entity = ?' % APP, (buffer('\xff\xff\xff'),))
    connection.commit()
    connection.close()
    response = datastore_pb.GetResponse()
    assert reader.answer_get(get_request([key]), response) is False
    assert response.Encode() == ''


def test_a_commit_of_several_entities_is_never_seen_half_applied(stub, reader, monkeypatch):
    parent = datastore.Put(datastore.Entity('Group', name='g'))
    first, second = datastore.Entity('Item', parent=parent, name='a'), datastore.Entity('Item', parent=parent, name='b')
    first['round'] = second['round'] = 0
    keys = datastore.Put([first, second])
    seen = []
    apply_one_entity = stub._Put

    def applying(record, insert):
        apply_one_entity(record, insert)
        response = datastore_pb.GetResponse()
        assert reader.answer_get(get_request(keys), response)
        seen.append(tuple(_round_of(result) for result in response.entity_list()))
    monkeypatch.setattr(stub, '_Put', applying)

    def next_round():
        for key in keys:
            entity = datastore.Get(key)
            entity['round'] = 1
            datastore.Put(entity)
    datastore.RunInTransaction(next_round)
    # Each entity written, as the stub applies the commit: the reader sees the group as it was before.
    assert seen == [(0, 0), (0, 0)]
    response = datastore_pb.GetResponse()
    assert reader.answer_get(get_request(keys), response)
    assert [_round_of(result) for result in response.entity_list()] == [1, 1]


def test_a_forked_process_reads_with_a_connection_of_its_own(stub, reader):
    key = datastore.Put(datastore.Entity('Note', name='before fork'))
    assert reader.answer_get(get_request([key]), datastore_pb.GetResponse())
    pid = os.fork()
    if pid == 0:
        ok = False
        try:
            response = datastore_pb.GetResponse()
            ok = reader.answer_get(get_request([key]), response) and response.entity(0).has_entity()
        finally:
            os._exit(0 if ok else 1)
    assert os.waitpid(pid, 0)[1] == 0


def _begin(stub):
    request = datastore_pb.BeginTransactionRequest()
    request.set_app(APP)
    transaction = datastore_pb.Transaction()
    stub.MakeSyncCall('datastore_v3', 'BeginTransaction', request, transaction)
    return transaction


def _without_app(key):
    reference = key._ToPb()
    reference.clear_app()
    return reference


def _edited(key, edit):
    reference = key._ToPb()
    edit(reference)
    return reference


def _last(reference):
    return reference.mutable_path().element_list()[-1]


def _round_of(result):
    return datastore.Entity.FromPb(result.entity())['round']
