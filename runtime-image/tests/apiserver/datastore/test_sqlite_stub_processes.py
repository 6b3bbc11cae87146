"""sqlite_stub across processes: every process of a container runs its own stub on one file, and together they
keep the guarantees one stub keeps: a transaction fails when another committed to a group it read, every read
sees every acknowledged commit, ids are never given twice, versions only grow."""

import os
import signal

import pytest
from google.appengine.api import api_base_pb
from google.appengine.api import apiproxy_stub_map
from google.appengine.api import datastore
from google.appengine.api import datastore_errors
from google.appengine.api.taskqueue import taskqueue_service_pb
from google.appengine.datastore import datastore_pb
from google.appengine.runtime import apiproxy_errors

from python_compat.apiserver import stub_factories
from python_compat.apiserver.datastore import process_turn
from python_compat.apiserver.datastore import sqlite_stub
from python_compat.apiserver.tasks import held_actions

APP = 'dev~processes'


@pytest.fixture
def path(tmpdir, monkeypatch):
    monkeypatch.setenv('APPLICATION_ID', APP)
    return str(tmpdir.join('datastore.db'))


@pytest.fixture
def two_stubs(path):
    """Two stubs on one file, as two processes of a container have (each its own connection and lock file)."""
    stubs = [stub_factories.sqlite_datastore(APP, path, None) for _ in range(2)]
    yield stubs
    for stub in stubs:
        stub.Close()


def on(stub, function, *args):
    """`function(*args)` with the SDK's datastore API calling `stub`."""
    previous = apiproxy_stub_map.apiproxy
    apiproxy_stub_map.apiproxy = apiproxy_stub_map.APIProxyStubMap()
    apiproxy_stub_map.apiproxy.RegisterStub('datastore_v3', stub)
    try:
        return function(*args)
    finally:
        apiproxy_stub_map.apiproxy = previous


def put(stub, key, **values):
    entity = datastore.Entity(key.kind(), name=key.name(), parent=key.parent(), _app=key.app(),
                              namespace=key.namespace())
    entity.update(values)
    return on(stub, datastore.Put, entity)


def get(stub, key):
    return on(stub, datastore.Get, key)


def call(stub, method, request, response):
    stub.MakeSyncCall('datastore_v3', method, request, response)
    return response


def begin(stub):
    request = datastore_pb.BeginTransactionRequest()
    request.set_app(APP)
    return call(stub, 'BeginTransaction', request, datastore_pb.Transaction())


def get_in(stub, transaction, key):
    request = datastore_pb.GetRequest()
    request.mutable_transaction().CopyFrom(transaction)
    request.add_key().CopyFrom(key._ToPb())
    return call(stub, 'Get', request, datastore_pb.GetResponse())


def put_in(stub, transaction, key, **values):
    entity = datastore.Entity(key.kind(), name=key.name(), parent=key.parent(), _app=key.app(),
                              namespace=key.namespace())
    entity.update(values)
    request = datastore_pb.PutRequest()
    request.mutable_transaction().CopyFrom(transaction)
    request.add_entity().CopyFrom(entity.ToPb())
    return call(stub, 'Put', request, datastore_pb.PutResponse())


def commit(stub, transaction):
    return call(stub, 'Commit', transaction, datastore_pb.CommitResponse())


def transaction_that_read(stub, key, **stored):
    """A transaction of `stub` that has read `key`, stored first with `stored`."""
    put(stub, key, **stored)
    transaction = begin(stub)
    get_in(stub, transaction, key)
    return transaction


def test_a_transaction_fails_when_another_process_committed_to_a_group_it_read(two_stubs):
    first, second = two_stubs
    key = datastore.Key.from_path('Counter', 'c', _app=APP)
    transaction = transaction_that_read(first, key, count=0)
    put(second, key, count=100)
    put_in(first, transaction, key, count=1)
    with pytest.raises(apiproxy_errors.ApplicationError) as failure:
        commit(first, transaction)
    assert failure.value.application_error == datastore_pb.Error.CONCURRENT_TRANSACTION
    assert get(first, key)['count'] == 100


def test_a_transaction_on_a_group_nobody_else_wrote_commits(two_stubs):
    first, second = two_stubs
    mine, theirs = (datastore.Key.from_path('Counter', name, _app=APP) for name in ('mine', 'theirs'))
    transaction = transaction_that_read(first, mine, count=0)
    put(second, theirs, count=5)
    put_in(first, transaction, mine, count=1)
    commit(first, transaction)
    assert (get(second, mine)['count'], get(first, theirs)['count']) == (1, 5)


def test_every_read_sees_what_another_process_committed(two_stubs):
    first, second = two_stubs
    parent = datastore.Key.from_path('Group', 'g', _app=APP)
    key = datastore.Key.from_path('Item', 'i', parent=parent)
    put(first, key, text='one')
    assert get(first, key)['text'] == 'one'  # cached by the first stub now
    put(second, key, text='two')
    assert get(first, key)['text'] == 'two'

    def query():
        return [entity['text'] for entity in datastore.Query('Item', _app=APP).Ancestor(parent).Run()]
    assert on(first, query) == ['two']
    on(second, datastore.Delete, key)
    with pytest.raises(datastore_errors.EntityNotFoundError):
        get(first, key)


def test_ids_are_never_given_twice_and_versions_only_grow(two_stubs):
    keys, versions = [], []
    for number in range(40):
        stub = two_stubs[number % 2]
        entity = datastore.Entity('Auto', _app=APP)
        keys.append(on(stub, datastore.Put, entity))
        request = datastore_pb.GetRequest()
        request.add_key().CopyFrom(keys[-1]._ToPb())
        versions.append(call(stub, 'Get', request, datastore_pb.GetResponse()).entity(0).version())
    assert len(set(key.id() for key in keys)) == 40
    assert versions == sorted(versions) and len(set(versions)) == 40


def test_a_namespace_another_process_created_is_used_as_it_is(two_stubs):
    first, second = two_stubs
    key = datastore.Key.from_path('Note', 'n', _app=APP, namespace='tenant')
    put(second, key, text='from the second')
    put(first, key, text='from the first')
    assert get(second, key)['text'] == 'from the first'


def test_a_process_that_missed_pruned_commits_forgets_every_group(two_stubs, monkeypatch):
    monkeypatch.setattr(sqlite_stub, 'KEPT_COMMITS', 2)
    monkeypatch.setattr(sqlite_stub, 'PRUNE_COMMITS_EVERY', 1)
    first, second = two_stubs
    key = datastore.Key.from_path('Counter', 'pruned', _app=APP)
    transaction = transaction_that_read(first, key, count=0)
    put(second, key, count=1)
    for number in range(5):
        put(second, datastore.Key.from_path('Other', 'o%d' % number, _app=APP), n=number)
    put_in(first, transaction, key, count=2)
    with pytest.raises(apiproxy_errors.ApplicationError):
        commit(first, transaction)
    assert get(first, key)['count'] == 1


def test_processes_incrementing_one_counter_in_transactions_count_every_increment(path):
    key = datastore.Key.from_path('Counter', 'shared', _app=APP)
    setup = stub_factories.sqlite_datastore(APP, path, None)
    put(setup, key, count=0)
    children = []
    for _ in range(3):
        child = os.fork()
        if child == 0:
            os._exit(_increment_in_a_new_process(path, key, 40))
        children.append(child)
    assert [os.waitpid(forked, 0)[1] for forked in children] == [0, 0, 0]
    assert get(setup, key)['count'] == 120
    setup.Close()


def _increment_in_a_new_process(path, key, times):
    try:
        stub = stub_factories.sqlite_datastore(APP, path, None)

        def increment():
            entity = datastore.Get(key)
            entity['count'] += 1
            datastore.Put(entity)
        done = 0
        while done < times:
            try:
                on(stub, datastore.RunInTransactionCustomRetries, 0, increment)
                done += 1
            except datastore_errors.TransactionFailedError:
                pass  # another process committed first: try again, as an app does
        return 0
    except Exception:  # pylint: disable=broad-except
        import traceback
        traceback.print_exc()
        return 1


def test_a_call_waits_for_the_turn_of_another_process_then_times_out(two_stubs, monkeypatch):
    monkeypatch.setattr(process_turn, 'MAX_WAIT_SECONDS', 0.3)
    first, second = two_stubs
    key = datastore.Key.from_path('Note', 'waits', _app=APP)
    with second._turn.held():
        with pytest.raises(datastore_errors.Timeout):
            put(first, key, text='waited too long')
    put(first, key, text='in its turn')
    assert get(second, key)['text'] == 'in its turn'


def test_tasks_held_by_the_callers_transaction_need_no_turn(two_stubs, monkeypatch):
    """The API server's task queue hands them over while a worker may hold the turn, waiting for the task queue."""
    monkeypatch.setattr(process_turn, 'MAX_WAIT_SECONDS', 0.3)
    first, second = two_stubs
    request = taskqueue_service_pb.TaskQueueBulkAddRequest()
    request.add_add_request().mutable_transaction().set_handle(12345)
    with second._turn.held(), held_actions.held_by_caller():
        first.MakeSyncCall('datastore_v3', 'AddActions', request, api_base_pb.VoidProto())


def test_a_process_killed_in_its_turn_blocks_nobody(two_stubs, path):
    first, _ = two_stubs
    child = os.fork()
    if child == 0:
        turn = process_turn.ProcessTurn(path)
        with turn.held():
            os.kill(os.getpid(), signal.SIGKILL)
    os.waitpid(child, 0)
    key = datastore.Key.from_path('Note', 'after the kill', _app=APP)
    put(first, key, text='written')
    assert get(first, key)['text'] == 'written'
