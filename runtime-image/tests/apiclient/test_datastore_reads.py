"""The datastore in a container: Gets read from the API server's SQLite file in the app's own process, every other
call answered by the API server, on the same data."""

import threading

from google.appengine.api import datastore_errors
from google.appengine.ext import ndb
import pytest


class Counter(ndb.Model):
    count = ndb.IntegerProperty()


def test_gets_are_answered_while_the_api_server_is_stopped(api_server, container_api):
    keys = ndb.put_multi([Counter(id='stopped-%d' % number, count=number) for number in range(3)])
    missing = ndb.Key(Counter, 'never-stored')
    api_server.stop()
    try:
        assert [entity.count for entity in ndb.get_multi(keys)] == [0, 1, 2]
        assert missing.get() is None
    finally:
        api_server.start()
    # Everything else is the API server's: a transaction reads there.
    assert ndb.transaction(lambda: keys[0].get().count) == 0


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
