"""Replicas without a shared API server: two app containers, each with its own embedded API server, on one Cloud
Datastore database (the Datastore emulator) and one memcached (MEMCACHE_SERVERS).

What one replica writes the other reads, through ndb with its memcache cache on (which is why memcache must be
shared too: with each API server's own memcache, the second replica would keep serving what it had cached), and a
transaction conflict across them is detected as App Engine detected it (optimistic concurrency): ndb retries, or
gives up with TransactionFailedError, and the counter they increment is exact.

Network: the emulator and memcached are host programs on 127.0.0.1; the app containers share the host's network
namespace and bind gunicorn and their API servers to 127.0.0.1 on free ports. No traffic leaves loopback.
"""

import concurrent.futures
import uuid

import pytest

from cloud_datastore_emulator import DATASTORE, Emulator
from host_network_apps import app_on_host_network
from memcached_server import Memcached

PROJECT = 'replicated-app'
# Concurrent increments: clients per replica, increments per client (bounded: 2 x 3 x 5 = 30 transactions).
CLIENTS_PER_REPLICA = 3
INCREMENTS_PER_CLIENT = 5


@pytest.fixture(scope='module')
def emulator():
    running = Emulator(DATASTORE, ['--auto_id_policy=SCATTERED']).start()
    yield running
    running.stop()


@pytest.fixture(scope='module')
def memcached():
    server = Memcached()
    yield server
    server.stop()


@pytest.fixture(scope='module')
def replicas(docker_client, app_image, emulator, memcached):
    """Two containers of the same app, configured alike: only their ports differ."""
    environment = {'APPLICATION_ID': 's~' + PROJECT, 'DATASTORE_BACKEND': 'cloud-datastore',
                   'DATASTORE_PROJECT_ID': PROJECT, 'DATASTORE_EMULATOR_HOST': emulator.host,
                   'MEMCACHE_SERVERS': '127.0.0.1:%d' % memcached.port}
    image = app_image('replicas')
    with app_on_host_network(docker_client, image, environment) as first:
        with app_on_host_network(docker_client, image, environment) as second:
            yield first, second


def unique(prefix):
    return '%s-%s' % (prefix, uuid.uuid4().hex[:8])


def test_what_one_replica_writes_the_other_reads_through_ndb_and_its_cache(replicas):
    first, second = replicas
    name = unique('note')
    first.post('/note/put', name=name, text='first version')
    assert second.get('/note/get', name=name).json() == 'first version'  # now in memcache, as ndb caches it

    first.post('/note/put', name=name, text='second version')

    assert second.get('/note/get', name=name).json() == 'second version'


def test_memcache_is_shared(replicas):
    first, second = replicas
    key = unique('key')

    first.post('/memcache/set', key=key, value='from the first replica')

    assert second.get('/memcache/get', key=key).json() == 'from the first replica'


def test_a_conflict_across_replicas_is_retried_and_counted_once_each(replicas):
    first, second = replicas
    name = unique('counter')

    # The first replica's transaction reads, the second commits an increment, the first's commit then conflicts.
    result = first.post('/increment-around', name=name, other=second.url).json()

    assert result == {'outcome': 'committed', 'value': 2, 'attempts': 2}
    assert second.get('/counter', name=name).json() == 2


def test_a_conflict_across_replicas_without_retries_is_transaction_failed(replicas):
    first, second = replicas
    name = unique('counter')

    result = first.post('/increment-around', name=name, other=second.url, retries=0).json()

    assert result == {'outcome': 'TransactionFailedError', 'value': None, 'attempts': 1}
    assert first.get('/counter', name=name).json() == 1  # only the second replica's increment


def test_concurrent_increments_on_both_replicas_leave_an_exact_counter(replicas):
    name = unique('counter')
    clients = [replica for replica in replicas for _ in range(CLIENTS_PER_REPLICA)]

    with concurrent.futures.ThreadPoolExecutor(len(clients)) as pool:
        results = list(pool.map(
            lambda replica: replica.post('/increment', name=name, times=INCREMENTS_PER_CLIENT, retries=10).json(),
            clients))

    committed = sum(result['committed'] for result in results)
    assert committed + sum(result['failed'] for result in results) == len(clients) * INCREMENTS_PER_CLIENT
    assert committed > 0
    # Whatever conflicted and was retried or given up: every increment that committed counted, exactly once.
    assert replicas[1].get('/counter', name=name).json() == committed
