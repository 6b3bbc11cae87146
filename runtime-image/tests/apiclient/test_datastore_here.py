"""The datastore in a container: every call made in the app's own process on the API server's SQLite file, with
the same data and guarantees as the API server's own calls."""

import threading

from google.appengine.api import datastore_errors
from google.appengine.api import taskqueue
from google.appengine.ext import ndb
import pytest

from test_shared_memcache import call_over_rpc_http


class Counter(ndb.Model):
    count = ndb.IntegerProperty()


def test_datastore_calls_are_made_while_the_api_server_is_stopped(api_server, container_api):
    keys = ndb.put_multi([Counter(id='stopped-%d' % number, count=number) for number in range(3)])
    api_server.stop()
    try:
        assert [entity.count for entity in ndb.get_multi(keys)] == [0, 1, 2]
        assert ndb.Key(Counter, 'never-stored').get() is None
        assert ndb.transaction(lambda: Counter(key=keys[0], count=keys[0].get().count + 10).put()) == keys[0]
        assert Counter.query(Counter.count >= 1).order(Counter.count).fetch(keys_only=True) == keys[1:] + keys[:1]
        new_key = Counter(count=-1).put()
    finally:
        api_server.start()
    assert new_key.id() and new_key.get().count == -1


def test_the_api_server_and_the_app_see_each_others_writes(api_server, container_api):
    from google.appengine.api import datastore
    key = Counter(id='both-ways', count=1).put()

    def update_through_the_api_server(unused_client):
        entity = datastore.Get(key.to_old_key())
        entity['count'] = 2
        datastore.Put(entity)
    call_over_rpc_http(api_server, update_through_the_api_server)
    assert key.get(use_cache=False, use_memcache=False).count == 2
    assert ndb.transaction(lambda: key.get(use_cache=False, use_memcache=False).count) == 2


def _tasks_in(queue_name):
    return taskqueue.Queue(queue_name).fetch_statistics().tasks


def test_a_transactional_task_is_added_when_the_transaction_commits_and_only_then(container_api):
    before = _tasks_in('default')

    def enqueue_with_the_commit(fail):
        Counter(id='with-task', count=1).put()
        taskqueue.add(url='/after-commit', transactional=True)
        if fail:
            raise ndb.Rollback()
    ndb.transaction(lambda: enqueue_with_the_commit(fail=True))
    assert _tasks_in('default') == before
    ndb.transaction(lambda: enqueue_with_the_commit(fail=False))
    assert _tasks_in('default') == before + 1
    assert Counter.get_by_id('with-task', use_cache=False).count == 1


def test_a_transactional_task_the_queue_refuses_fails_when_it_is_added(container_api):
    def enqueue_on_a_queue_that_does_not_exist():
        taskqueue.add(url='/never', transactional=True, queue_name='no-such-queue')
    with pytest.raises(taskqueue.UnknownQueueError):
        ndb.transaction(enqueue_on_a_queue_that_does_not_exist)


def test_a_get_sees_every_write_acknowledged_before_it(container_api):
    key = ndb.Key(Counter, 'read-your-writes')
    for count in range(30):
        Counter(key=key, count=count).put()
        assert key.get().count == count
    key.delete()
    assert key.get() is None


def test_a_transaction_still_detects_a_write_that_raced_it(container_api):
    key = Counter(id='raced', count=0).put()
    entered = threading.Event()

    def increment_with_a_racing_write():
        counter = key.get()
        if not entered.is_set():
            entered.set()
            # Another request's write, between this transaction's read and its commit.
            ndb.transaction(lambda: Counter(key=key, count=100).put(), propagation=ndb.TransactionOptions.INDEPENDENT)
        counter.count += 1
        counter.put()
    with pytest.raises(datastore_errors.TransactionFailedError):
        ndb.transaction(increment_with_a_racing_write, retries=0)
    assert key.get().count == 100
