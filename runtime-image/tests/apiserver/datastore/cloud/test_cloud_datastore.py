"""The datastore from Cloud Datastore (an emulator): ndb and db behave as on App Engine.

Runs only with an emulator (see cloud_datastore_fixtures); integration-tests/test_cloud_datastore_suite.py runs
this module against the Datastore emulator and the Firestore emulator in Datastore mode.
"""

import threading
import time
import uuid

import pytest

from google.appengine.api import datastore
from google.appengine.api import datastore_errors
from google.appengine.api import images
from google.appengine.api import taskqueue
from google.appengine.ext import blobstore
from google.appengine.ext import db
from google.appengine.ext import ndb
from google.appengine.ext.ndb import metadata
from google.cloud.datastore_v1.proto import datastore_pb2

# pylint: disable=unused-import
from cloud_datastore_fixtures import EMULATOR
from cloud_datastore_fixtures import needs_emulator
pytestmark = needs_emulator
firestore_mode_only_differs = pytest.mark.skipif(EMULATOR == 'firestore', reason='Firestore mode differs: see '
                                                 'the test that documents it')
firestore_mode_only = pytest.mark.skipif(EMULATOR != 'firestore', reason='documents a Firestore-mode difference')


class Greeting(ndb.Model):
    author = ndb.StringProperty()
    content = ndb.TextProperty()
    rank = ndb.IntegerProperty()
    tags = ndb.StringProperty(repeated=True)


class Account(ndb.Model):
    balance = ndb.IntegerProperty(default=0)


class Note(db.Model):
    text = db.StringProperty()
    stars = db.IntegerProperty()


def unique(prefix):
    return '%s-%s' % (prefix, uuid.uuid4().hex[:8])


def no_cache(key):
    return key.get(use_cache=False, use_memcache=False)


# -- get, put, delete --------------------------------------------------------------------------------------

def test_put_multi_then_get_multi_returns_entities_and_none_for_missing(cloud_api):
    keys = ndb.put_multi([Greeting(author='ada', rank=rank) for rank in range(3)])
    missing = ndb.Key(Greeting, 'never-written')

    found = ndb.get_multi(keys + [missing], use_cache=False, use_memcache=False)

    assert [g.rank for g in found[:3]] == [0, 1, 2]
    assert found[3] is None
    assert all(key.app() == cloud_api.app_id and key.id() > 0 for key in keys)


def test_put_keeps_names_parents_and_the_app_id(cloud_api):
    parent = ndb.Key('Book', unique('book'))
    key = Greeting(parent=parent, id='first', author='ada').put()

    assert key == ndb.Key('Book', parent.id(), 'Greeting', 'first')
    assert no_cache(key).key.urlsafe() == key.urlsafe()


def test_delete_multi_removes_the_entities(cloud_api):
    keys = ndb.put_multi([Greeting(author='gone') for _ in range(3)])

    ndb.delete_multi(keys)

    assert ndb.get_multi(keys, use_cache=False, use_memcache=False) == [None, None, None]


def test_db_put_get_delete(cloud_api):
    note = Note(text='hello', stars=3)
    key = note.put()

    assert Note.get(key).text == 'hello'
    db.delete(key)
    assert Note.get(key) is None


def test_the_same_key_twice_in_one_put_keeps_the_last(cloud_api):
    first, second = Greeting(id='twice', rank=1), Greeting(id='twice', rank=2)

    ndb.put_multi([first, second])

    assert no_cache(ndb.Key(Greeting, 'twice')).rank == 2


# -- queries ------------------------------------------------------------------------------------------------

@pytest.fixture
def ranked(cloud_api):
    """Ten greetings by one new author, ranks 0..9, tags by parity; returns the author."""
    author = unique('author')
    ndb.put_multi([Greeting(author=author, rank=rank, tags=['even' if rank % 2 == 0 else 'odd', 'all'])
                   for rank in range(10)])
    return author


def test_query_filters_and_orders(ranked):
    ranks = [g.rank for g in Greeting.query(Greeting.author == ranked, Greeting.rank >= 6)
             .order(-Greeting.rank)]

    assert ranks == [9, 8, 7, 6]


def test_query_in_and_not_equal(ranked):
    in_ranks = sorted(g.rank for g in Greeting.query(Greeting.author == ranked, Greeting.rank.IN([2, 5, 7])))
    not_equal = sorted(g.rank for g in Greeting.query(Greeting.author == ranked, Greeting.rank != 4))

    assert in_ranks == [2, 5, 7]
    assert not_equal == [0, 1, 2, 3, 5, 6, 7, 8, 9]


def test_query_on_a_repeated_property(ranked):
    assert Greeting.query(Greeting.author == ranked, Greeting.tags == 'even').count() == 5


def test_keys_only_query(ranked):
    keys = Greeting.query(Greeting.author == ranked).order(Greeting.rank).fetch(3, keys_only=True)

    assert all(isinstance(key, ndb.Key) for key in keys)
    assert [key.get().rank for key in keys] == [0, 1, 2]


def test_projection_query(ranked):
    results = Greeting.query(Greeting.author == ranked).order(Greeting.rank).fetch(
        2, projection=[Greeting.rank])

    assert [g.rank for g in results] == [0, 1]
    with pytest.raises(ndb.UnprojectedPropertyError):
        results[0].author  # pylint: disable=pointless-statement


def test_distinct_projection_query(ranked):
    tags = Greeting.query(Greeting.author == ranked, projection=[Greeting.tags], distinct=True).fetch()

    assert sorted(g.tags[0] for g in tags) == ['all', 'even', 'odd']


def test_fetch_page_cursors_walk_every_result_once(ranked):
    query = Greeting.query(Greeting.author == ranked).order(Greeting.rank)
    seen, cursor, more = [], None, True
    while more:
        page, cursor, more = query.fetch_page(4, start_cursor=cursor)
        seen.extend(g.rank for g in page)

    assert seen == list(range(10))


def test_urlsafe_cursor_round_trips(ranked):
    query = Greeting.query(Greeting.author == ranked).order(Greeting.rank)
    _, cursor, _ = query.fetch_page(3)

    resumed = query.fetch(2, start_cursor=ndb.Cursor(urlsafe=cursor.urlsafe()))

    assert [g.rank for g in resumed] == [3, 4]


def test_end_cursor_stops_the_query(ranked):
    query = Greeting.query(Greeting.author == ranked).order(Greeting.rank)
    _, end, _ = query.fetch_page(5)

    assert [g.rank for g in query.fetch(end_cursor=end)] == [0, 1, 2, 3, 4]


def test_offset_and_limit(ranked):
    assert [g.rank for g in Greeting.query(Greeting.author == ranked).order(Greeting.rank)
            .fetch(3, offset=4)] == [4, 5, 6]


def test_count_with_and_without_limit(ranked):
    query = Greeting.query(Greeting.author == ranked)

    assert query.count() == 10
    assert query.count(limit=4) == 4


def test_small_batches_are_continued_with_next_calls(ranked):
    ranks = [g.rank for g in Greeting.query(Greeting.author == ranked).order(Greeting.rank).iter(batch_size=3)]

    assert ranks == list(range(10))


def test_db_query_with_cursor(cloud_api):
    stars = unique('stars')
    for index in range(5):
        Note(text=stars, stars=index).put()
    query = Note.all().filter('text =', stars).order('stars')
    first = query.fetch(2)
    rest = Note.all().filter('text =', stars).order('stars').with_cursor(query.cursor()).fetch(10)

    assert [n.stars for n in first] == [0, 1]
    assert [n.stars for n in rest] == [2, 3, 4]


def test_ancestor_and_kindless_ancestor_queries(cloud_api):
    book = ndb.Key('Book', unique('book'))
    Greeting(parent=book, rank=1).put()
    Account(parent=book, balance=5).put()
    Greeting(parent=ndb.Key('Book', unique('other')), rank=2).put()

    in_group = Greeting.query(ancestor=book).fetch()
    everything = ndb.Query(ancestor=book).fetch()

    assert [g.rank for g in in_group] == [1]
    assert sorted(type(entity).__name__ for entity in everything) == ['Account', 'Greeting']


def test_key_filter_and_key_order(cloud_api):
    keys = ndb.put_multi([Greeting(id=unique('k%d' % index)) for index in range(4)])
    ordered = sorted(keys)

    after = Greeting.query(Greeting.key > ordered[1]).order(Greeting.key).fetch(keys_only=True)

    assert ordered[2] in after and ordered[3] in after and ordered[0] not in after


# -- transactions -------------------------------------------------------------------------------------------

def test_transaction_on_one_group_commits(cloud_api):
    key = Account(balance=10).put()

    @ndb.transactional
    def withdraw():
        account = key.get()
        account.balance -= 3
        account.put()

    withdraw()

    assert no_cache(key).balance == 7


def test_put_in_a_transaction_gets_its_id_before_commit(cloud_api):
    parent = Account(balance=1).put()

    @ndb.transactional
    def add_child():
        key = Account(parent=parent, balance=2).put()
        assert key.id() is not None
        return key

    assert no_cache(add_child()).balance == 2


def test_exception_in_a_transaction_writes_nothing(cloud_api):
    key = Account(balance=10).put()

    @ndb.transactional
    def fail():
        account = key.get()
        account.balance = 0
        account.put()
        raise ValueError('abandon')

    with pytest.raises(ValueError):
        fail()
    assert no_cache(key).balance == 10


def test_xg_transaction_over_25_groups_commits(cloud_api):
    keys = ndb.put_multi([Account(balance=0) for _ in range(25)])

    @ndb.transactional(xg=True)
    def touch_all():
        accounts = ndb.get_multi(keys)
        for account in accounts:
            account.balance = 1
        ndb.put_multi(accounts)

    touch_all()

    assert [account.balance for account in ndb.get_multi(keys, use_cache=False, use_memcache=False)] == [1] * 25


def test_xg_transaction_over_26_groups_is_refused(cloud_api):
    keys = ndb.put_multi([Account(balance=0) for _ in range(26)])

    with pytest.raises(datastore_errors.BadRequestError) as refused:
        ndb.transaction(lambda: ndb.get_multi(keys), xg=True)

    assert 'too many entity groups' in str(refused.value)


def test_transaction_without_xg_cannot_touch_two_groups(cloud_api):
    first, second = Account(balance=1).put(), Account(balance=2).put()

    with pytest.raises(datastore_errors.BadRequestError) as refused:
        ndb.transaction(lambda: (first.get(), second.get()))

    assert 'cross-group' in str(refused.value)


def test_non_ancestor_query_in_a_transaction_is_refused(cloud_api):
    with pytest.raises(datastore_errors.BadRequestError) as refused:
        ndb.transaction(lambda: Account.query().fetch(1))

    assert 'ancestor' in str(refused.value)


@firestore_mode_only_differs
def test_conflicting_transactions_are_retried_then_fail(cloud_api):
    key = Account(balance=0).put()
    attempts = []

    @ndb.non_transactional
    def write_from_elsewhere():
        Account(key=key, balance=len(attempts)).put(use_cache=False, use_memcache=False)

    def conflicting():
        attempts.append(1)
        account = key.get(use_cache=False, use_memcache=False)
        write_from_elsewhere()
        account.balance = -1
        account.put()

    with pytest.raises(datastore_errors.TransactionFailedError):
        ndb.transaction(conflicting, retries=2)

    assert len(attempts) == 3
    assert no_cache(key).balance == 3


@firestore_mode_only_differs
def test_a_conflict_is_retried_and_the_retry_commits(cloud_api):
    key = Account(balance=0).put()
    attempts = []

    @ndb.non_transactional
    def write_from_elsewhere():
        Account(key=key, balance=100).put(use_cache=False, use_memcache=False)

    def conflicting_once():
        attempts.append(1)
        account = key.get(use_cache=False, use_memcache=False)
        if len(attempts) == 1:
            write_from_elsewhere()
        account.balance += 1
        account.put()

    ndb.transaction(conflicting_once, retries=2)

    assert len(attempts) == 2
    assert no_cache(key).balance == 101


def transaction_after_a_failed_read(key):
    """A transaction (datastore_rpc's, so no client library rolls it back) that has read `key`, then failed to
    read a key of another project (which Cloud Datastore refuses, as App Engine did); the API server alone can
    end it."""
    transaction = datastore._GetConnection().new_transaction()  # pylint: disable=protected-access
    transaction.get([key.to_old_key()])
    foreign = ndb.Key(flat=key.flat(), app='s~another-project')  # the same entity group: allowed without xg
    with pytest.raises(datastore_errors.BadRequestError) as refused:
        transaction.get([foreign.to_old_key()])
    assert 'cross-group' not in str(refused.value)
    return transaction


def test_a_failed_read_inside_a_transaction_ends_it_and_its_commit_asks_for_a_retry(cloud_api):
    transaction = transaction_after_a_failed_read(Account(balance=0).put())

    assert transaction.commit() is False  # TransactionFailedError: ndb and db retry the transaction


def test_get_or_insert_creates_once(cloud_api):
    name = unique('singleton')

    first = Account.get_or_insert(name, balance=5)
    second = Account.get_or_insert(name, balance=9)

    assert first.key == second.key and second.balance == 5


def queued_tasks(queue_name='default'):
    return taskqueue.Queue(queue_name).fetch_statistics().tasks


def test_transactional_task_is_enqueued_when_the_commit_succeeds(cloud_api):
    key = Account(balance=0).put()
    before = queued_tasks()

    @ndb.transactional
    def with_task():
        account = key.get()
        account.balance = 1
        account.put()
        taskqueue.add(url='/work', transactional=True)

    with_task()

    assert queued_tasks() == before + 1


def test_transactional_task_is_dropped_when_the_transaction_fails(cloud_api):
    key = Account(balance=0).put()
    before = queued_tasks()

    @ndb.transactional
    def with_task_then_error():
        key.get()
        taskqueue.add(url='/work', transactional=True)
        raise ValueError('abandon')

    with pytest.raises(ValueError):
        with_task_then_error()

    assert queued_tasks() == before


# -- ids, namespaces, metadata ------------------------------------------------------------------------------

def test_allocate_ids_by_size_gives_a_usable_range(cloud_api):
    start, end = Account.allocate_ids(size=5)

    assert end - start == 4
    keys = ndb.put_multi([Account(id=entity_id, balance=entity_id % 7) for entity_id in range(start, end + 1)])
    assert len(set(keys)) == 5


def test_allocate_ids_by_max_reserves_up_to_max(cloud_api):
    start, end = Account.allocate_ids(max=1000)

    assert (start, end) == (1, 1000)
    assert Account().put().id() > 1000


def test_namespaces_keep_data_apart(cloud_api):
    namespace = unique('ns')
    author = unique('author')
    Greeting(namespace=namespace, author=author).put()

    assert Greeting.query(Greeting.author == author).count() == 0
    assert Greeting.query(Greeting.author == author, namespace=namespace).count() == 1


@firestore_mode_only_differs
def test_namespace_and_kind_metadata_queries(cloud_api):
    namespace = unique('meta')
    Greeting(namespace=namespace, author='x', rank=1).put()

    assert namespace in metadata.get_namespaces()
    assert 'Greeting' in metadata.get_kinds()
    assert 'rank' in metadata.get_properties_of_kind('Greeting')


def test_reserved_kinds_are_stored_under_ordinary_names_and_read_back(cloud_api):
    name = unique('blob')
    info = datastore.Entity('__BlobInfo__', name=name)
    info['filename'] = 'photo.png'
    datastore.Put(info)

    read = datastore.Get(datastore.Key.from_path('__BlobInfo__', name))
    queried = list(datastore.Query('__BlobInfo__', {'filename =': 'photo.png'}).Run())
    lookup = datastore_pb2.LookupRequest()
    stored_key = lookup.keys.add()
    stored_key.partition_id.project_id = cloud_api.project_id
    stored_key.path.add(kind='_gae__BlobInfo__', name=name)
    stored = cloud_api.v1('lookup', lookup, datastore_pb2.LookupResponse)

    assert read['filename'] == 'photo.png'
    assert name in [entity.key().name() for entity in queried]
    assert len(stored.found) == 1


def test_blobstore_keeps_its_upload_sessions_in_cloud_datastore(cloud_api):
    # The API server's own blobstore stub writes __BlobUploadSession__ through the same backend.
    success_path = '/uploaded/%s' % uuid.uuid4().hex
    blobstore.create_upload_url(success_path)
    query = datastore_pb2.RunQueryRequest()
    query.query.kind.add(name='_gae__BlobUploadSession__')

    stored = cloud_api.v1('runQuery', query, datastore_pb2.RunQueryResponse)

    paths = [result.entity.properties['success_path'].string_value for result in stored.batch.entity_results]
    assert success_path in paths


def stored_serving_url(cloud_api, blob_key):
    """Whether the images stub's __BlobServingUrl__ of `blob_key` is in the database (under its mapped kind)."""
    lookup = datastore_pb2.LookupRequest()
    stored_key = lookup.keys.add()
    stored_key.partition_id.project_id = cloud_api.project_id
    stored_key.path.add(kind='_gae__BlobServingUrl__', name=blob_key)
    return len(cloud_api.v1('lookup', lookup, datastore_pb2.LookupResponse).found) == 1


def test_images_keep_their_serving_urls_in_cloud_datastore(cloud_api):
    # The API server's own images stub writes and deletes __BlobServingUrl__ through the same backend.
    blob_key = unique('blob')

    url = images.get_serving_url(blobstore.BlobKey(blob_key))
    stored = stored_serving_url(cloud_api, blob_key)
    images.delete_serving_url(blobstore.BlobKey(blob_key))

    assert url.endswith('/_ah/img/%s' % blob_key)
    assert stored and not stored_serving_url(cloud_api, blob_key)


@firestore_mode_only_differs
def test_a_query_v1_refuses_reports_bad_request(cloud_api):
    # The first sort order must be the inequality's property (App Engine's rule too).
    query = Greeting.query(Greeting.rank > 1).order(Greeting.author)

    with pytest.raises(datastore_errors.BadRequestError):
        query.fetch(1)


# -- what differs on the Firestore emulator in Datastore mode ------------------------------------------------

@firestore_mode_only
def test_firestore_mode_accepts_a_sort_order_app_engine_refused(cloud_api):
    author = unique('author')
    Greeting(author=author, rank=2).put()

    assert len(Greeting.query(Greeting.rank > 1).order(Greeting.author).fetch(1)) == 1


@firestore_mode_only
def test_firestore_emulator_refuses_kind_and_namespace_queries(cloud_api):
    Greeting(author='x').put()

    for metadata_query in (metadata.get_kinds, metadata.get_namespaces):
        with pytest.raises(datastore_errors.BadRequestError) as refused:
            metadata_query()
        assert 'not supported in the Datastore Mode emulator' in str(refused.value)


@firestore_mode_only
def test_firestore_mode_a_failed_read_releases_the_locks_its_transaction_held(cloud_api):
    key = Account(balance=0).put()
    transaction_after_a_failed_read(key)
    started = time.time()

    # Without a rollback, this write would wait for the lock of the transaction's read until it expired.
    Account(key=key, balance=5).put(use_cache=False, use_memcache=False, deadline=10)

    assert time.time() - started < 5
    assert no_cache(key).balance == 5


@firestore_mode_only
def test_firestore_mode_a_refused_commit_releases_the_locks_its_transaction_held(cloud_api):
    key = Account(balance=0).put()

    def read_then_write_what_cloud_datastore_refuses():
        key.get()
        Account(parent=key, id='__reserved__', balance=1).put()  # v1 reserves names like __x__

    with pytest.raises(datastore_errors.BadRequestError):
        ndb.transaction(read_then_write_what_cloud_datastore_refuses, retries=0)  # ndb sends no Rollback now
    started = time.time()
    Account(key=key, balance=5).put(use_cache=False, use_memcache=False, deadline=10)

    assert time.time() - started < 5


@firestore_mode_only
def test_firestore_mode_locks_pessimistically_a_write_waits_for_the_transaction(cloud_api):
    key = Account(balance=0).put()
    outside = []

    def write_from_elsewhere():
        Account(key=key, balance=100).put(use_cache=False, use_memcache=False)
        outside.append(time.time())

    def read_then_write():
        account = key.get(use_cache=False, use_memcache=False)
        writer = threading.Thread(target=write_from_elsewhere)
        writer.start()
        writer.join(1.0)
        assert writer.is_alive(), 'the outside write did not wait for the lock the transaction holds'
        account.balance = 1
        account.put()
        return writer

    writer = ndb.transaction(read_then_write, retries=0)
    writer.join(30)

    assert outside and no_cache(key).balance == 100
