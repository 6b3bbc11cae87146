"""The container's shared memcache store: the SDK stub's answers call for call, shared by processes, bounded."""

import os
import random
import signal
import time

import pytest

from google.appengine.api import apiproxy_stub_map
from google.appengine.api import memcache
from google.appengine.api.memcache import memcache_service_pb
from google.appengine.api.memcache import memcache_stub
from google.appengine.runtime import apiproxy_errors

from python_compat.apiserver.memcache import shared_store
from python_compat.apiserver.memcache import shared_stub

pb = memcache_service_pb


class Clock(object):
    def __init__(self):
        self.now = 1700000000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(tmpdir, clock):
    created = shared_store.SharedMemcacheStore(str(tmpdir.join('memcache.sqlite3')), 1 << 30, clock)
    yield created
    created.close()


@pytest.fixture
def client(store):
    """memcache's own client over the stub, as an app in a worker calls it."""
    previous = apiproxy_stub_map.apiproxy
    apiproxy_stub_map.apiproxy = apiproxy_stub_map.APIProxyStubMap()
    apiproxy_stub_map.apiproxy.RegisterStub('memcache', shared_stub.SharedMemcacheStub(store))
    yield memcache.Client()
    apiproxy_stub_map.apiproxy = previous


def call(stub, method, request):
    response = getattr(pb, 'Memcache%sResponse' % {'FlushAll': 'Flush'}.get(method, method))()
    try:
        stub.MakeSyncCall('memcache', method, request, response)
    except apiproxy_errors.ApplicationError as error:
        return 'error %d' % error.application_error
    return response


def get(namespace, keys, for_cas):
    request = pb.MemcacheGetRequest()
    request.set_name_space(namespace)
    for key in keys:
        request.add_key(key)
    request.set_for_cas(for_cas)
    return request


def set_request(namespace, items):
    request = pb.MemcacheSetRequest()
    request.set_name_space(namespace)
    for key, value, flags, policy, expiration, cas_id in items:
        item = request.add_item()
        item.set_key(key)
        item.set_value(value)
        item.set_flags(flags)
        item.set_set_policy(policy)
        item.set_expiration_time(expiration)
        if cas_id is not None:
            item.set_cas_id(cas_id)
    return request


def delete(namespace, items):
    request = pb.MemcacheDeleteRequest()
    request.set_name_space(namespace)
    for key, delete_time in items:
        item = request.add_item()
        item.set_key(key)
        item.set_delete_time(delete_time)
    return request


def increment(namespace, key, delta, decrement, initial):
    request = pb.MemcacheIncrementRequest()
    request.set_name_space(namespace)
    request.set_key(key)
    request.set_delta(delta)
    request.set_direction(request.DECREMENT if decrement else request.INCREMENT)
    if initial is not None:
        request.set_initial_value(initial)
        request.set_initial_flags(3)
    return request


def normalized(answer):
    """What the two stubs must agree on: get items in key order without their cas ids (each stub numbers its own),
    stats without bytes and oldest_item_age (the SDK's LRU never subtracts what it removes), the rest as sent."""
    if isinstance(answer, pb.MemcacheGetResponse):
        return sorted((item.key(), item.value(), item.flags()) for item in answer.item_list())
    if isinstance(answer, pb.MemcacheStatsResponse):
        stats = answer.stats()
        return stats.hits(), stats.misses(), stats.byte_hits(), stats.items()
    return answer if isinstance(answer, str) else answer.Encode()


def random_operation(rng, cas_reads):
    """(method, request) of a random call on six keys in two namespaces, or ('clock', seconds to advance); a cas
    names one of `cas_reads` by its index (a set item's cas id), or an id never given out."""
    namespace = rng.choice(['', 'a'])
    keys = ['k%d' % n for n in range(6)]
    kind = rng.choice(['get', 'get', 'set', 'set', 'delete', 'incr', 'incr', 'batch', 'stats', 'flush', 'clock'])
    if kind == 'get':
        return 'Get', get(namespace, rng.sample(keys, rng.randint(1, 3)), rng.random() < 0.5)
    if kind == 'set':
        items = []
        for key in rng.sample(keys, rng.randint(1, 3)):
            policy = rng.choice([1, 2, 3, 4])
            cas_id = None
            if policy == 4 and rng.random() < 0.8:
                cas_id = rng.randrange(len(cas_reads)) if cas_reads and rng.random() < 0.8 else 999999
            value = rng.choice(['', 'x', '12', '18446744073709551615', 'y' * 50, '-3'])
            items.append((key, value, rng.randint(0, 5), policy, rng.choice([0, 0, 5, 40, 1700000030]), cas_id))
        return 'Set', set_request(namespace, items)
    if kind == 'delete':
        return 'Delete', delete(namespace, [(key, rng.choice([0, 0, 10])) for key in rng.sample(keys, 2)])
    if kind == 'incr':
        return 'Increment', increment(namespace, rng.choice(keys), rng.choice([0, 1, 7, 2 ** 64 - 1]),
                                      rng.random() < 0.3, rng.choice([None, 0, 10]))
    if kind == 'batch':
        request = pb.MemcacheBatchIncrementRequest()
        request.set_name_space(namespace)
        for key in rng.sample(keys, 2):
            item = request.add_item()
            single = increment(namespace, key, rng.choice([1, 3]), rng.random() < 0.3, rng.choice([None, 5]))
            item.set_key(single.key())
            item.set_delta(single.delta())
            item.set_direction(single.direction())
            if single.has_initial_value():
                item.set_initial_value(single.initial_value())
                item.set_initial_flags(single.initial_flags())
        return 'BatchIncrement', request
    if kind == 'stats':
        return 'Stats', pb.MemcacheStatsRequest()
    if kind == 'flush':
        return 'FlushAll', pb.MemcacheFlushRequest()
    return 'clock', rng.choice([1, 3, 11, 50])


def with_cas_ids(request, cas_reads, side):
    """A copy of a Set request whose cas ids are those the stub on `side` (0: SDK, 1: ours) gave for the read
    each names."""
    copied = pb.MemcacheSetRequest()
    copied.CopyFrom(request)
    for item in copied.item_list():
        if item.has_cas_id():
            item.set_cas_id(cas_reads[item.cas_id()][side] if item.cas_id() < len(cas_reads) else 999999)
    return copied


@pytest.mark.parametrize('seed', range(8))
def test_answers_every_call_as_the_sdk_stub_does(store, clock, seed):
    """Random sequences of every memcache call, with a clock that jumps past expirations and lock-outs, against
    the SDK's MemcacheServiceStub: the same answers. Cas ids read before an increment are forgotten: the SDK's
    increment keeps the cas id, ours changes it as App Engine's memcache did."""
    sdk = memcache_stub.MemcacheServiceStub(gettime=clock)
    ours = shared_stub.SharedMemcacheStub(store)
    rng = random.Random(seed)
    cas_reads = []  # (SDK's cas id, ours) of one key read for cas by both
    for step in range(300):
        method, request = random_operation(rng, cas_reads)
        if method == 'clock':
            clock.now += request
            continue
        if method == 'Set':
            expected = call(sdk, method, with_cas_ids(request, cas_reads, 0))
            answered = call(ours, method, with_cas_ids(request, cas_reads, 1))
        else:
            expected, answered = call(sdk, method, request), call(ours, method, request)
        if method == 'FlushAll':
            sdk._gettime = clock  # the SDK stub's flush goes back to time.time()  pylint: disable=protected-access
        if method in ('Increment', 'BatchIncrement'):
            del cas_reads[:]
        assert normalized(answered) == normalized(expected), (seed, step, method, str(request))
        if method == 'Get' and request.for_cas():
            ours_by_key = dict((item.key(), item.cas_id()) for item in answered.item_list())
            cas_reads.extend((item.cas_id(), ours_by_key[item.key()]) for item in expected.item_list())


def test_values_round_trip_through_the_memcache_client(client):
    values = {'s': 'text', 'u': u'\u00e9t\u00e9', 'i': 7, 'l': 2 ** 70, 'b': True, 'p': {'a': [1, 2]},
              'bytes': ''.join(chr(n) for n in range(256))}
    assert client.set_multi(values) == []
    assert client.get_multi(values.keys()) == values


def test_a_value_expires_and_a_lock_out_ends(client, clock):
    client.set('k', 'v', time=10)
    client.set('kept', 'v')
    client.delete('kept', seconds=5)
    assert not client.add('kept', 'w')
    clock.now += 10
    assert client.get('k') is None
    assert client.add('kept', 'w')


def test_an_absolute_expiration_is_a_unix_time(client, clock):
    client.set('k', 'v', time=int(clock.now) + 100)
    clock.now += 99
    assert client.get('k') == 'v'
    clock.now += 1
    assert client.get('k') is None


def test_incr_changes_the_cas_id(client):
    client.set('n', 1)
    reader = memcache.Client()
    assert reader.gets('n') == 1
    assert client.incr('n') == 2
    assert not reader.cas('n', 10)
    assert client.get('n') == 2


def test_incr_of_a_value_that_is_not_an_integer_is_none_and_keeps_it(client):
    client.set('k', 'text')
    assert client.incr('k') is None
    assert client.get('k') == 'text'


def test_least_recently_used_values_are_evicted_beyond_the_size(tmpdir, clock):
    store = shared_store.SharedMemcacheStore(str(tmpdir.join('small.sqlite3')), 1000, clock)
    stub = shared_stub.SharedMemcacheStub(store)
    for n in range(5):
        call(stub, 'Set', set_request('', [('k%d' % n, 'v' * 190, 0, 1, 0, None)]))
        clock.now += 2
    call(stub, 'Get', get('', ['k0'], False))  # k0 is now the most recently used
    call(stub, 'Set', set_request('', [('k5', 'v' * 190, 0, 1, 0, None)]))
    held = set(item.key() for item in call(stub, 'Get', get('', ['k%d' % n for n in range(6)], False)).item_list())
    assert held == set(['k0', 'k2', 'k3', 'k4', 'k5'])
    assert store.stats()['bytes'] == 5 * 192


def test_stats_count_what_every_process_did(store, client, clock):
    client.set('k', 'value')
    pid = os.fork()
    if pid == 0:
        # A worker forked after the store was opened: its own connection, the same data. Its counts reach the
        # file with its first call STATS_FLUSH_SECONDS after its first count.
        ok = False
        try:
            ok = client.get('k') == 'value' and client.get('missing') is None and client.set('child', 'c')
            clock.now += shared_store.STATS_FLUSH_SECONDS
            ok = ok and client.get('k') == 'value'
        finally:
            os._exit(0 if ok else 1)
    assert os.waitpid(pid, 0)[1] == 0
    assert client.get('child') == 'c'
    stats = client.get_stats()
    assert (stats['hits'], stats['misses'], stats['items']) == (3, 1, 2)
    assert stats['byte_hits'] == 2 * (len('k') + len('value')) + len('child') + len('c')


def test_counts_a_process_has_not_added_yet_are_not_in_another_process_stats(store, client, clock):
    client.get('missing')
    pid = os.fork()
    if pid == 0:
        ok = False
        try:
            # The parent's miss was counted before the fork: the parent adds it, not this process.
            ok = client.get_stats()['misses'] == 0
        finally:
            os._exit(0 if ok else 1)
    assert os.waitpid(pid, 0)[1] == 0
    assert client.get_stats()['misses'] == 1


def test_concurrent_increments_from_several_processes_are_all_counted(store, client):
    client.set('n', 0)
    children = []
    for _ in range(4):
        pid = os.fork()
        if pid == 0:
            try:
                for _ in range(200):
                    client.incr('n')
            finally:
                os._exit(0)
        children.append(pid)
    for pid in children:
        assert os.waitpid(pid, 0)[1] == 0
    assert client.get('n') == 800


def test_a_process_killed_holding_the_lock_does_not_block_the_others(store, client):
    client.set('k', 'before')
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        import fcntl
        store._run(lambda transaction: None)  # opens this process's connection
        fcntl.flock(store._lock_file, fcntl.LOCK_EX)
        store._db.execute('BEGIN IMMEDIATE')
        store._db.execute("UPDATE items SET value = 'half-done'")
        os.write(write, 'x')
        time.sleep(60)
        os._exit(0)
    os.read(read, 1)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    assert client.get('k') == 'before'
    assert client.set('k', 'after')
    assert client.get('k') == 'after'


def test_a_store_error_is_a_miss_for_the_app(tmpdir):
    store = shared_store.SharedMemcacheStore(str(tmpdir.join('missing-dir', 'memcache.sqlite3')), 1000)
    stub = shared_stub.SharedMemcacheStub(store)
    with pytest.raises(apiproxy_errors.ApplicationError):
        call_raising(stub)


def call_raising(stub):
    response = pb.MemcacheGetResponse()
    stub.MakeSyncCall('memcache', 'Get', get('', ['k'], False), response)


def test_a_call_it_does_not_serve_is_call_not_found(store):
    with pytest.raises(apiproxy_errors.CallNotFoundError):
        shared_stub.SharedMemcacheStub(store).MakeSyncCall('memcache', 'GrabTail', pb.MemcacheStatsRequest(),
                                                           pb.MemcacheStatsResponse())


def test_a_unicode_namespace_is_the_same_namespace_as_its_utf8_bytes(client):
    client.set('k', 'v', namespace=u'espa\u00f1a')
    assert client.get('k', namespace=u'espa\u00f1a'.encode('utf-8')) == 'v'


def test_without_a_size_the_store_holds_the_default(tmpdir):
    stub = shared_stub.stub_for(str(tmpdir.join('memcache.sqlite3')))
    assert stub.store.max_bytes == 64 << 20
