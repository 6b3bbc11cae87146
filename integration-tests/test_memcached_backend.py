"""The memcache API served by a real memcached (Debian's package): MEMCACHE_SERVERS points the API server at it.

Everything runs on the host's loopback: memcached on 127.0.0.1, and the API server and the SDK client in
host-network containers of the runtime image (a container reaches the host's memcached only that way). The
client prints what the SDK's google.appengine.api.memcache returned as JSON; the test also reads memcached
directly to check that the values live there.
"""

import contextlib
import json
import textwrap

import pytest

from host_network_apps import wait_until_healthy
from memcached_server import Memcached, free_port, memcached_stats, memcached_text

CLIENT_TIMEOUT_SECONDS = 120


@pytest.fixture
def memcached():
    server = Memcached()
    yield server
    server.stop()


@pytest.fixture
def api_server(docker_client, runtime_image, memcached):
    """The runtime image's API server on the host network, its memcache served by `memcached`; its port."""
    with started_api_server(docker_client, runtime_image, [memcached]) as port:
        yield port


@contextlib.contextmanager
def started_api_server(docker_client, runtime_image, memcacheds):
    port = free_port()
    servers = ','.join('127.0.0.1:%d' % memcached.port for memcached in memcacheds)
    container = docker_client.containers.run(
        runtime_image, ['api-server', '--app-id', 'memcachedtest', '--port', str(port),
                        '--storage-path', '/tmp/api-storage'],
        network_mode='host', environment={'MEMCACHE_SERVERS': servers}, detach=True)
    try:
        wait_until_healthy(container, 'http://127.0.0.1:%d' % port)
        yield port
    finally:
        container.remove(force=True)


@pytest.fixture
def run_client(docker_client, runtime_image, api_server):
    """run_client(body) -> the JSON the Python 2.7 `body` printed, run in the runtime image with the SDK's
    memcache module (`memcache`) routed to the API server, `result` a dict printed at the end."""
    return client_runner(docker_client, runtime_image, api_server)


def client_runner(docker_client, runtime_image, api_server):
    def run(body):
        script = textwrap.dedent('''\
            import json, os, time
            os.environ['APPLICATION_ID'] = 'dev~memcachedtest'
            from python_compat import apiclient
            apiclient.install('127.0.0.1', %d)
            from google.appengine.api import memcache
            result = {}
            ''') % api_server + textwrap.dedent(body) + '\nprint(json.dumps(result))\n'
        container = docker_client.containers.run(runtime_image, ['python', '-c', script], network_mode='host',
                                                 detach=True)
        try:
            status = container.wait(timeout=CLIENT_TIMEOUT_SECONDS)
            output = container.logs(stdout=True, stderr=False).decode()
            assert status['StatusCode'] == 0, container.logs().decode()[-3000:]
        finally:
            container.remove(force=True)
        return json.loads(output.strip().splitlines()[-1])

    return run


def test_values_of_every_type_round_trip_and_live_in_memcached(run_client, memcached):
    result = run_client('''
        values = {'text': 'bytes', 'unicode': u'h\\xe9llo', 'int': 42, 'long': 2 ** 70, 'bool': True,
                  'pickled': {'a': [1, 2.5]}}
        result['set_multi'] = memcache.set_multi(values)
        got = memcache.get_multi(list(values) + ['missing'])
        result['got'] = dict((key, [repr(value), type(value).__name__]) for key, value in got.items())
        result['expected'] = dict((key, [repr(value), type(value).__name__]) for key, value in values.items())
        ''')

    assert result['set_multi'] == []
    assert result['got'] == result['expected']
    assert memcached_text(memcached.port, 'get :int') == 'VALUE :int 3 2\r\n42\r\nEND\r\n'


def test_add_replace_and_cas_follow_app_engine(run_client):
    result = run_client('''
        result['add'] = [memcache.add('k', 1), memcache.add('k', 2), memcache.get('k')]
        result['replace'] = [memcache.replace('missing', 1), memcache.replace('k', 3), memcache.get('k')]
        first, second = memcache.Client(), memcache.Client()
        result['gets'] = [first.gets('k'), second.gets('k')]
        result['cas'] = [first.cas('k', 4), second.cas('k', 5), memcache.get('k')]
        result['cas_without_gets'] = memcache.Client().cas('k', 6)
        ''')

    assert result == {'add': [True, False, 1], 'replace': [False, True, 3], 'gets': [3, 3],
                      'cas': [True, False, 4], 'cas_without_gets': False}


def test_incr_and_decr_follow_app_engine(run_client, memcached):
    result = run_client('''
        result['missing'] = memcache.incr('counter')
        result['initial'] = memcache.incr('counter', delta=5, initial_value=10)
        result['get_is_an_int'] = memcache.get('counter')
        result['floor'] = memcache.decr('counter', delta=100)
        memcache.set('big', 2 ** 64 - 1)
        result['wrap'] = memcache.incr('big', delta=2)
        memcache.set('text', 'abc')
        result['not_an_integer'] = [memcache.incr('text'), memcache.get('text')]
        result['offset_multi'] = memcache.offset_multi({'a': 3, 'b': -3}, initial_value=5)
        ''')

    assert result == {'missing': None, 'initial': 15, 'get_is_an_int': 15, 'floor': 0, 'wrap': 1,
                      'not_an_integer': [None, 'abc'], 'offset_multi': {'a': 8, 'b': 2}}
    assert memcached_text(memcached.port, 'get :a').split('\r\n')[1] == '8'


def test_delete_and_its_lock_out(run_client):
    result = run_client('''
        memcache.set_multi({'a': 1, 'b': 2, 'c': 3, 'locked': 4})
        result['delete'] = [memcache.delete('a'), memcache.delete('a')]
        result['delete_multi'] = [memcache.delete_multi(['b', 'c']), memcache.get_multi(['b', 'c'])]
        result['lock'] = [memcache.delete('locked', seconds=2), memcache.get('locked'), memcache.add('locked', 5),
                          memcache.replace('locked', 6)]
        time.sleep(3.5)
        result['after_lock'] = [memcache.add('locked', 7), memcache.get('locked')]
        ''')

    assert result == {'delete': [2, 1], 'delete_multi': [True, {}], 'lock': [2, None, False, False],
                      'after_lock': [True, 7]}


def test_namespaces_and_long_keys_never_collide(run_client, memcached):
    result = run_client('''
        memcache.set('shared', 'in a', namespace='a')
        memcache.set('shared', 'in b', namespace='b')
        memcache.set('a:shared', 'no namespace')
        long_key = 'x' * 400
        memcache.set(long_key, 'long', namespace='a')
        result['values'] = [memcache.get('shared', namespace='a'), memcache.get('shared', namespace='b'),
                            memcache.get('shared'), memcache.get('a:shared'), memcache.get(long_key, namespace='a'),
                            memcache.get(long_key)]
        ''')

    assert result['values'] == ['in a', 'in b', None, 'no namespace', 'long', None]
    assert 'in a' in memcached_text(memcached.port, 'get a:shared')
    assert 'no namespace' in memcached_text(memcached.port, 'get :a:shared')


def test_relative_and_absolute_expiry(run_client):
    result = run_client('''
        memcache.set('short', 1, time=1)
        memcache.set('absolute', 2, time=int(time.time()) + 3600)
        memcache.set('absolute_past', 3, time=int(time.time()) - 3600)
        result['before'] = [memcache.get('short'), memcache.get('absolute'), memcache.get('absolute_past')]
        time.sleep(3)
        result['after'] = [memcache.get('short'), memcache.get('absolute')]
        ''')

    assert result == {'before': [1, 2, None], 'after': [None, 2]}


def test_stats_and_flush_all_are_memcached_s(run_client, memcached):
    result = run_client('''
        memcache.flush_all()
        memcache.set_multi({'a': 'x' * 100, 'b': 'y'})
        memcache.get_multi(['a', 'b', 'missing'])
        result['stats'] = memcache.get_stats()
        result['flush_all'] = memcache.flush_all()
        result['after_flush'] = memcache.get_multi(['a', 'b'])
        ''')

    stats, direct = result['stats'], memcached_stats(memcached.port)
    assert stats['items'] == 2
    assert stats['bytes'] > 100
    assert 2 <= stats['hits'] <= int(direct['get_hits'])
    assert 1 <= stats['misses'] <= int(direct['get_misses'])
    assert stats['oldest_item_age'] >= 0
    assert result['flush_all'] is True and result['after_flush'] == {}


def test_a_stopped_memcached_means_misses_and_errors_not_hangs(run_client, memcached):
    memcached.stop()

    result = run_client('''
        started = time.time()
        result['calls'] = [memcache.get('k'), memcache.set('k', 1), memcache.incr('k', initial_value=1),
                           memcache.get_stats(), memcache.flush_all()]
        result['seconds'] = time.time() - started
        ''')

    assert result['calls'] == [None, False, None, None, False]
    assert result['seconds'] < 5


def test_concurrent_increments_from_many_threads_are_all_counted(run_client, memcached):
    result = run_client('''
        import threading
        returned = []
        def increment():
            for _ in range(25):
                returned.append(memcache.incr('hits', initial_value=0))
        threads = [threading.Thread(target=increment) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        result['returned'] = sorted(returned)
        result['final'] = memcache.get('hits')
        ''')

    assert result['returned'] == list(range(1, 501))
    assert result['final'] == 500
    assert memcached_text(memcached.port, 'get :hits').split('\r\n')[1] == '500'


def test_keys_spread_over_two_memcached_servers(docker_client, runtime_image):
    first, second = Memcached(), Memcached()
    try:
        with started_api_server(docker_client, runtime_image, [first, second]) as port:
            result = client_runner(docker_client, runtime_image, port)('''
                keys = ['key-%d' % number for number in range(100)]
                result['not_stored'] = memcache.set_multi(dict((key, key) for key in keys))
                result['read_back'] = memcache.get_multi(keys) == dict((key, key) for key in keys)
                result['items'] = memcache.get_stats()['items']
                ''')
        items = [int(memcached_stats(server.port)['curr_items']) for server in (first, second)]
    finally:
        first.stop()
        second.stop()

    assert result == {'not_stored': [], 'read_back': True, 'items': 100}
    assert sum(items) == 100 and min(items) > 20
