"""The Cloud Datastore backend's pieces that need no database: app ids, reserved kinds, errors, transactions."""

import json

import pytest

from google.appengine.datastore import datastore_pb
from google.appengine.runtime import apiproxy_errors
from google.cloud.datastore_v1.proto import datastore_pb2
from google.cloud.datastore_v1.proto import entity_pb2
from google.cloud.datastore_v1.proto import query_pb2
from google.rpc import code_pb2

from python_compat.apiserver.datastore.cloud import app_ids
from python_compat.apiserver.datastore.cloud import errors
from python_compat.apiserver.datastore.cloud import reserved_kinds
from python_compat.apiserver.datastore.cloud import transactions
from python_compat.apiserver.datastore.cloud import transport


# -- app ids --------------------------------------------------------------------------------------------------

def test_the_apps_own_id_maps_to_the_configured_project_and_back():
    resolver = app_ids.AppIdResolver('s~legacy-app', 'new-project')

    assert resolver.resolve_project_id('s~legacy-app') == 'new-project'
    assert resolver.resolve_app_id('new-project') == 's~legacy-app'


def test_other_apps_keep_their_project_and_get_the_apps_partition_back():
    resolver = app_ids.AppIdResolver('s~my-app', 'my-app')

    assert resolver.resolve_project_id('s~other-app') == 'other-app'
    assert resolver.resolve_app_id('other-app') == 's~other-app'


def test_additional_app_ids_say_which_partition_a_project_had():
    resolver = app_ids.AppIdResolver('s~my-app', 'my-app', ['e~european-app'])

    assert resolver.resolve_app_id('european-app') == 'e~european-app'
    assert resolver.resolve_project_id('e~european-app') == 'european-app'


# -- reserved kinds -------------------------------------------------------------------------------------------

def test_reserved_kinds_are_renamed_and_metadata_kinds_are_not():
    assert reserved_kinds.stored_kind('__BlobInfo__') == '_gae__BlobInfo__'
    assert reserved_kinds.app_kind('_gae__BlobInfo__') == '__BlobInfo__'
    for kind in ('__kind__', '__namespace__', '__property__', '__Stat_Kind__', 'Greeting', '_gae_Other', '__'):
        assert reserved_kinds.stored_kind(kind) == kind
        assert reserved_kinds.app_kind(kind) == kind


def blob_info_key():
    key = entity_pb2.Key()
    key.path.add(kind='__BlobUploadSession__', name='session')
    key.path.add(kind='__BlobInfo__', name='blob')
    return key


def test_an_entity_is_renamed_in_its_key_and_its_nested_key_values_and_back():
    entity = entity_pb2.Entity()
    entity.key.CopyFrom(blob_info_key())
    entity.properties['ref'].key_value.CopyFrom(blob_info_key())
    entity.properties['list'].array_value.values.add().key_value.CopyFrom(blob_info_key())
    entity.properties['inner'].entity_value.properties['ref'].key_value.CopyFrom(blob_info_key())
    original = entity_pb2.Entity()
    original.CopyFrom(entity)

    reserved_kinds.store_entity(entity)
    stored_kinds = [element.kind for element in entity.key.path]
    nested = entity.properties['inner'].entity_value.properties['ref'].key_value.path[1].kind
    listed = entity.properties['list'].array_value.values[0].key_value.path[0].kind
    reserved_kinds.restore_entity(entity)

    assert stored_kinds == ['_gae__BlobUploadSession__', '_gae__BlobInfo__']
    assert (nested, listed) == ('_gae__BlobInfo__', '_gae__BlobUploadSession__')
    assert entity == original


def test_a_query_is_renamed_in_its_kind_and_key_filters():
    query = query_pb2.Query()
    query.kind.add(name='__BlobInfo__')
    key_filter = query.filter.composite_filter.filters.add().property_filter
    key_filter.property.name = '__key__'
    key_filter.value.key_value.CopyFrom(blob_info_key())

    reserved_kinds.store_query(query)

    assert query.kind[0].name == '_gae__BlobInfo__'
    assert key_filter.value.key_value.path[1].kind == '_gae__BlobInfo__'


# -- errors ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('code, message, v3_code', [
    (code_pb2.ABORTED, 'too much contention', datastore_pb.Error.CONCURRENT_TRANSACTION),
    (code_pb2.FAILED_PRECONDITION, 'no matching index found.', datastore_pb.Error.NEED_INDEX),
    (code_pb2.FAILED_PRECONDITION, 'transaction is no longer active', datastore_pb.Error.BAD_REQUEST),
    (code_pb2.INVALID_ARGUMENT, 'bad key', datastore_pb.Error.BAD_REQUEST),
    (code_pb2.DEADLINE_EXCEEDED, 'slow', datastore_pb.Error.TIMEOUT),
    (code_pb2.UNAVAILABLE, 'try again', datastore_pb.Error.TIMEOUT),
    (code_pb2.PERMISSION_DENIED, 'no', datastore_pb.Error.BAD_REQUEST),
    (code_pb2.RESOURCE_EXHAUSTED, 'quota', datastore_pb.Error.RESOURCE_EXHAUSTED),
    (code_pb2.INTERNAL, 'oops', datastore_pb.Error.INTERNAL_ERROR),
])
def test_v1_errors_become_the_app_engine_errors_apps_catch(code, message, v3_code):
    error = errors.application_error(errors.V1Error(code, message))

    assert isinstance(error, apiproxy_errors.ApplicationError)
    assert (error.application_error, error.error_detail) == (v3_code, message)


def test_a_status_body_gives_the_error_and_anything_else_the_http_status():
    body = _status(code_pb2.ABORTED, 'contention')
    status = transport._error_from(409, 'application/x-protobuf', body)  # pylint: disable=protected-access
    plain = transport._error_from(503, 'text/html', b'<html>busy</html>')  # pylint: disable=protected-access

    assert (status.code, status.message) == (code_pb2.ABORTED, 'contention')
    assert plain.code == code_pb2.UNAVAILABLE and 'HTTP 503' in plain.message


def _status(code, message):
    from google.rpc import status_pb2
    return status_pb2.Status(code=code, message=message).SerializeToString()


def test_a_json_error_of_a_named_database_call_gives_its_status():
    body = b'{"error": {"code": 409, "message": "contention", "status": "ABORTED"}}'

    error = transport._error_from(409, 'application/json; charset=UTF-8', body)  # pylint: disable=protected-access

    assert (error.code, error.message) == (code_pb2.ABORTED, 'contention')


def test_a_named_database_is_set_on_the_request_and_every_partition():
    lookup = datastore_pb2.LookupRequest(project_id='my-project')
    lookup.keys.add().partition_id.project_id = 'my-project'
    lookup.keys[0].path.add(kind='K', name='a')

    body = json.loads(transport.json_with_database_id(lookup, 'named-db'))

    assert body['databaseId'] == 'named-db'
    assert body['keys'][0]['partitionId'] == {'projectId': 'my-project', 'databaseId': 'named-db'}


# -- transactions ---------------------------------------------------------------------------------------------

def identity(root, child=None):
    path = ((u'Account', 0, root),) + (((u'Entry', 0, child),) if child else ())
    return u'', path


def v3_transaction(live):
    transaction = datastore_pb.Transaction()
    transaction.set_app(live.app)
    transaction.set_handle(live.handle)
    return transaction


def test_a_transaction_without_xg_touches_one_group_with_app_engines_error_for_a_second():
    live = transactions.TransactionTable().begin('s~app', b'v1-id', allow_multiple_groups=False)
    live.touch([identity('a'), identity('a', 'child')])

    with pytest.raises(apiproxy_errors.ApplicationError) as refused:
        live.touch([identity('b')])

    assert refused.value.error_detail == 'cross-groups transaction need to be explicitly specified (xg=True)'


def test_an_xg_transaction_touches_at_most_25_groups():
    live = transactions.TransactionTable().begin('s~app', b'v1-id', allow_multiple_groups=True)
    live.touch([identity('group-%d' % index) for index in range(25)])

    with pytest.raises(apiproxy_errors.ApplicationError) as refused:
        live.touch([identity('one-more')])

    assert 'too many entity groups' in refused.value.error_detail


def test_a_later_write_of_a_key_replaces_the_earlier_one():
    live = transactions.TransactionTable().begin('s~app', b'v1-id', allow_multiple_groups=False)

    live.hold(identity('a'), 'first put')
    live.hold(identity('b'), 'other')
    live.hold(identity('a'), 'delete')

    assert list(live.mutations.values()) == ['other', 'delete']


def test_a_transaction_holds_at_most_five_tasks():
    live = transactions.TransactionTable().begin('s~app', b'v1-id', allow_multiple_groups=False)
    live.add_tasks(['task'] * 5)

    with pytest.raises(apiproxy_errors.ApplicationError):
        live.add_tasks(['task'])


def test_a_finished_or_unknown_transaction_is_app_engines_expired_transaction():
    table = transactions.TransactionTable()
    live = table.begin('s~app', b'v1-id', allow_multiple_groups=False)
    table.finish(live)

    with pytest.raises(apiproxy_errors.ApplicationError) as expired:
        table.get(v3_transaction(live))

    assert expired.value.error_detail == 'transaction has expired or is invalid'
    assert table.v1_transaction_of(live.handle) == b'v1-id'


def test_handles_are_unique_and_name_their_transaction():
    table = transactions.TransactionTable()
    first, second = (table.begin('s~app', b'one', False), table.begin('s~app', b'two', True))

    assert first.handle != second.handle
    assert table.get(v3_transaction(second)).v1_transaction == b'two'


def test_an_idle_transaction_is_forgotten():
    now = [1000.0]
    table = transactions.TransactionTable(clock=lambda: now[0])
    idle = table.begin('s~app', b'idle', False)
    now[0] += transactions.IDLE_SECONDS + 1
    table.begin('s~app', b'new', False)

    with pytest.raises(apiproxy_errors.ApplicationError):
        table.get(v3_transaction(idle))


def test_a_transaction_ended_by_a_failed_call_is_transaction_failed_for_later_calls():
    table = transactions.TransactionTable()
    live = table.begin('s~app', b'v1-id', allow_multiple_groups=False)

    assert table.finish(live, failed=True) is True
    with pytest.raises(apiproxy_errors.ApplicationError) as failed:
        table.get(v3_transaction(live))

    assert failed.value.application_error == datastore_pb.Error.CONCURRENT_TRANSACTION
    assert table.was_rolled_back_after_failure(v3_transaction(live))
    assert table.v1_transaction_of(live.handle) == b'v1-id'


def test_a_transaction_finishes_once():
    table = transactions.TransactionTable()
    live = table.begin('s~app', b'v1-id', allow_multiple_groups=False)
    table.finish(live)

    assert table.finish(live, failed=True) is False
    assert not table.was_rolled_back_after_failure(v3_transaction(live))


def test_only_its_own_app_learns_a_transaction_failed():
    table = transactions.TransactionTable()
    live = table.begin('s~app', b'v1-id', allow_multiple_groups=False)
    table.finish(live, failed=True)
    other_app = v3_transaction(live)
    other_app.set_app('s~other-app')

    assert not table.was_rolled_back_after_failure(other_app)
