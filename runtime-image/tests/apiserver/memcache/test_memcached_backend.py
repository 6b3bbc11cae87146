"""The memcache API served by memcached servers: App Engine semantics through the SDK's own client, against an
in-process fake memcached that speaks the text protocol (a real memcached runs in the integration tests)."""

import contextlib
import re
import SocketServer
import socket
import threading
import time

import pytest
from pymemcache.client.base import check_key_helper

from google.appengine.api import apiproxy_stub_map
from google.appengine.api import memcache

from python_compat.apiserver import config
from python_compat.apiserver.memcache import memcached_cluster
from python_compat.apiserver.memcache import memcached_stub

THIRTY_DAYS = 30 * 24 * 3600


class FakeMemcached(object):
    """A memcached text-protocol server on 127.0.0.1 with memcached's semantics for the commands the stub uses.

    `lines` records every command line received; `hang` makes it read commands without ever answering;
    `connections` counts the connections accepted.
    """

    def __init__(self, port=0):
        self.items = {}
        self.lines = []
        self.hang = False
        self.max_value_size = 1 << 20
        self.connections = 0
        self._sockets = []
        self._next_cas = 1
        self._lock = threading.Lock()
        fake = self

        class Handler(SocketServer.StreamRequestHandler):
            def handle(self):
                fake.connections += 1
                fake._sockets.append(self.request)  # pylint: disable=protected-access
                fake.serve(self.rfile, self.wfile)

        SocketServer.ThreadingTCPServer.allow_reuse_address = True
        self._server = SocketServer.ThreadingTCPServer(('127.0.0.1', port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever).start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def close_connections(self):
        """Closes every connection from the server's side, as a memcached restart does."""
        for sock in self._sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except socket.error:
                pass  # the client closed it already

    def serve(self, rfile, wfile):
        while True:
            line = rfile.readline()
            if not line:
                return
            line = line.rstrip('\r\n')
            self.lines.append(line)
            words = line.split(' ')
            data = None
            if words[0] in ('set', 'add', 'replace', 'cas'):
                data = rfile.read(int(words[4]) + 2)[:-2]
            if self.hang:
                continue
            with self._lock:
                reply = self.execute(words, data)
            wfile.write(reply)
            wfile.flush()

    def _live(self, key):
        item = self.items.get(key)
        if item is not None and item['expires'] and item['expires'] <= time.time():
            del self.items[key]
            return None
        return item

    def _store(self, key, flags, exptime, value):
        exptime = int(exptime)
        expires = 0 if exptime == 0 else (exptime if exptime > THIRTY_DAYS else time.time() + exptime)
        self.items[key] = {'flags': int(flags), 'value': value, 'cas': self._next_cas, 'expires': expires,
                           'exptime': exptime}
        self._next_cas += 1

    def execute(self, words, data):
        command = words[0]
        if command in ('get', 'gets'):
            out = []
            for key in words[1:]:
                item = self._live(key)
                if item:
                    cas = ' %d' % item['cas'] if command == 'gets' else ''
                    out.append('VALUE %s %d %d%s\r\n%s\r\n' % (key, item['flags'], len(item['value']), cas,
                                                               item['value']))
            return ''.join(out) + 'END\r\n'
        if command in ('set', 'add', 'replace', 'cas'):
            key, flags, exptime = words[1:4]
            item = self._live(key)
            if len(data) > self.max_value_size:
                return 'SERVER_ERROR object too large for cache\r\n'
            if command == 'add' and item or command == 'replace' and not item:
                return 'NOT_STORED\r\n'
            if command == 'cas':
                if not item:
                    return 'NOT_FOUND\r\n'
                if item['cas'] != int(words[5]):
                    return 'EXISTS\r\n'
            self._store(key, flags, exptime, data)
            return 'STORED\r\n'
        if command == 'delete':
            return 'DELETED\r\n' if self._live(words[1]) and self.items.pop(words[1]) else 'NOT_FOUND\r\n'
        if command in ('incr', 'decr'):
            item = self._live(words[1])
            if not item:
                return 'NOT_FOUND\r\n'
            value = item['value']
            if not value.isdigit() or int(value) >= 2 ** 64:
                return 'CLIENT_ERROR cannot increment or decrement non-numeric value\r\n'
            delta = int(words[2])
            new = (int(value) + delta) % 2 ** 64 if command == 'incr' else max(int(value) - delta, 0)
            item['value'] = str(new)
            item['cas'] = self._next_cas
            self._next_cas += 1
            return '%d\r\n' % new
        if command == 'flush_all':
            self.items.clear()
            return 'OK\r\n'
        if command == 'stats' and len(words) == 1:
            stats = {'get_hits': 7, 'get_misses': 3, 'bytes_written': 1234, 'curr_items': len(self.items),
                     'bytes': sum(len(key) + len(item['value']) for key, item in self.items.items())}
            return ''.join('STAT %s %s\r\n' % pair for pair in sorted(stats.items())) + 'END\r\n'
        if words == ['stats', 'items']:
            return 'STAT items:1:number 2\r\nSTAT items:1:age 42\r\nSTAT items:5:age 17\r\nEND\r\n'
        return 'ERROR\r\n'


@pytest.fixture
def fake():
    server = FakeMemcached()
    yield server
    server.stop()


def install(*ports, **server_options):
    """Serves `memcache` from memcached servers on `ports` in a fresh stub map; returns the cluster."""
    server_options.setdefault('io_timeout', 1.0)
    cluster = memcached_cluster.MemcachedCluster([('127.0.0.1', port) for port in ports], **server_options)
    apiproxy_stub_map.apiproxy = apiproxy_stub_map.APIProxyStubMap()
    apiproxy_stub_map.apiproxy.RegisterStub('memcache', memcached_stub.MemcachedServiceStub(cluster))
    return cluster


@pytest.fixture
def cache(fake):
    cluster = install(fake.port)
    yield fake
    cluster.close()


def closed_port():
    with contextlib.closing(socket.socket()) as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


# -- keys ------------------------------------------------------------------------------------------------------

def test_a_short_printable_key_is_stored_as_namespace_colon_key():
    assert memcached_stub.memcached_key('', 'counter') == ':counter'
    assert memcached_stub.memcached_key('tenant-1', 'counter') == 'tenant-1:counter'


@pytest.mark.parametrize('namespace, key', [('', 'x' * 250), ('ns', 'with space'), ('', 'new\nline'),
                                            ('', u'caf\xe9'.encode('utf-8')), ('a:b', 'c'), ('', '')])
def test_other_keys_are_hashed_into_a_valid_memcached_key(namespace, key):
    stored = memcached_stub.memcached_key(namespace, key)

    # What memcached's text protocol takes: printable ASCII without spaces, at most 250 bytes.
    assert re.match(r'[\x21-\x7e]{1,250}\Z', stored)
    assert check_key_helper(stored, allow_unicode_keys=False) == stored  # pymemcache sends it as it is
    assert stored.startswith('#') or stored == ':'


def test_namespaces_and_keys_never_share_a_memcached_key():
    pairs = [('', 'a:b'), ('a', 'b'), ('a:b', ''), ('a', 'b:'), ('', ':a:b'), ('a', 'x' * 248), ('a', 'x' * 249),
             ('', 'a b'), ('a', ' b'), ('1', 'x' * 300), ('', '1:' + 'x' * 300)]

    stored = [memcached_stub.memcached_key(namespace, key) for namespace, key in pairs]

    assert len(set(stored)) == len(pairs)


# -- server list and hashing -----------------------------------------------------------------------------------

def test_memcache_servers_come_from_the_environment_or_the_command_line(monkeypatch):
    monkeypatch.setenv('MEMCACHE_SERVERS', '127.0.0.1:11211,127.0.0.1:11212')
    assert config.parse_args(['--app-id', 'x']).memcache_servers == [('127.0.0.1', 11211), ('127.0.0.1', 11212)]
    assert config.parse_args(['--app-id', 'x', '--memcache-servers', 'm:1']).memcache_servers == [('m', 1)]
    monkeypatch.delenv('MEMCACHE_SERVERS')
    assert config.parse_args(['--app-id', 'x']).memcache_servers == []


def test_a_bad_memcache_servers_value_is_a_one_line_usage_error(monkeypatch, capsys):
    monkeypatch.setenv('MEMCACHE_SERVERS', 'cache:eleven')

    with pytest.raises(SystemExit):
        config.parse_args(['--app-id', 'x'])

    assert 'MEMCACHE_SERVERS' in capsys.readouterr().err


def test_hashing_spreads_keys_and_moves_few_when_a_server_is_added():
    three = memcached_cluster.MemcachedCluster([(host, 11211) for host in 'abc'])
    four = memcached_cluster.MemcachedCluster([(host, 11211) for host in 'abcd'])
    keys = [':key-%d' % number for number in range(3000)]

    def server_of(cluster, key):
        return cluster.server_for(key).name[0]

    counts = dict((node, sum(1 for key in keys if server_of(three, key) == node)) for node in 'abc')
    moved = [key for key in keys if server_of(three, key) != server_of(four, key)]

    assert min(counts.values()) > 600
    assert len(moved) < 3000 * 0.4
    assert all(server_of(four, key) == 'd' for key in moved)


# -- get / set / add / replace ---------------------------------------------------------------------------------

@pytest.mark.parametrize('value', ['bytes', u'unicode \u2603', 42, 2 ** 70, True, {'pickled': [1, 2.5]}, ''])
def test_values_round_trip_with_their_type_flags(cache, value):
    assert memcache.set('k', value)

    assert memcache.get('k') == value
    assert type(memcache.get('k')) is type(value)


def test_values_live_in_memcached_under_the_namespaced_key(cache):
    memcache.set('k', 42, namespace='tenant')

    assert cache.items['tenant:k']['value'] == '42'
    assert cache.items['tenant:k']['flags'] == memcache.TYPE_INT


def test_get_of_a_missing_key_is_none(cache):
    assert memcache.get('missing') is None


def test_add_only_adds_and_replace_only_replaces(cache):
    assert not memcache.replace('k', 'nothing to replace')
    assert memcache.add('k', 'first')
    assert not memcache.add('k', 'second')
    assert memcache.replace('k', 'third')

    assert memcache.get('k') == 'third'


def test_namespaces_keep_values_apart(cache):
    memcache.set('k', 'in a', namespace='a')
    memcache.set('k', 'in b', namespace='b')

    assert memcache.get('k', namespace='a') == 'in a'
    assert memcache.get('k', namespace='b') == 'in b'
    assert memcache.get('k') is None


def test_long_and_binary_keys_work(cache):
    long_key, binary_key = 'x' * 400, 'spaces and \x00 bytes'
    memcache.set_multi({long_key: 1, binary_key: 2}, namespace='ns')

    assert memcache.get_multi([long_key, binary_key], namespace='ns') == {long_key: 1, binary_key: 2}


def test_expiration_times_reach_memcached_unchanged(cache):
    absolute = int(time.time()) + 3600
    memcache.set('relative', 1, time=60)
    memcache.set('absolute', 1, time=absolute)

    assert cache.items[':relative']['exptime'] == 60
    assert cache.items[':absolute']['exptime'] == absolute


def test_a_value_with_an_absolute_time_in_the_past_is_a_miss(cache):
    memcache.set('past', 1, time=THIRTY_DAYS + 1)

    assert memcache.get('past') is None


# -- cas -------------------------------------------------------------------------------------------------------

def test_cas_succeeds_once_then_fails_on_a_stale_read(cache):
    memcache.set('k', 1)
    first, second = memcache.Client(), memcache.Client()
    assert first.gets('k') == 1
    assert second.gets('k') == 1

    assert first.cas('k', 2)
    assert not second.cas('k', 3)
    assert memcache.get('k') == 2


def test_cas_ids_are_memcached_cas_uniques(cache):
    memcache.set('k', 'v')
    client = memcache.Client()
    client.gets('k')

    assert client._cas_ids[('', 'k')] == cache.items[':k']['cas']  # pylint: disable=protected-access


def test_cas_without_gets_and_cas_of_a_deleted_key_store_nothing(cache):
    client = memcache.Client()
    memcache.set('k', 1)
    assert not client.cas('k', 2)
    client.gets('k')
    memcache.delete('k')

    assert not client.cas('k', 3)
    assert memcache.get('k') is None


# -- incr / decr -----------------------------------------------------------------------------------------------

def test_incr_of_a_missing_key_is_none_unless_an_initial_value_is_given(cache):
    assert memcache.incr('n') is None
    assert memcache.incr('n', delta=2, initial_value=10) == 12
    assert memcache.decr('n') == 11
    assert memcache.get('n') == 11


def test_decr_of_a_missing_key_with_an_initial_value_floors_at_zero(cache):
    assert memcache.decr('n', delta=5, initial_value=3) == 0


def test_decr_floors_at_zero_and_incr_wraps_at_64_bits(cache):
    memcache.set('small', 3)
    memcache.set('big', 2 ** 64 - 2)

    assert memcache.decr('small', delta=10) == 0
    assert memcache.incr('big', delta=5) == 3


def test_incr_of_a_value_that_is_not_an_integer_is_none_and_keeps_it(cache):
    memcache.set('text', 'abc')
    memcache.set('negative', -5)

    assert memcache.incr('text') is None
    assert memcache.incr('negative') is None
    assert memcache.get('text') == 'abc'


def test_offset_multi_sends_one_command_per_key_on_one_connection(cache):
    memcache.set_multi({'a': 1, 'b': 10})
    del cache.lines[:]

    result = memcache.offset_multi({'a': 5, 'b': -3, 'c': 1})

    assert result == {'a': 6, 'b': 7, 'c': None}
    assert sorted(cache.lines) == ['decr :b 3', 'incr :a 5', 'incr :c 1']
    assert cache.connections == 1


def test_offset_multi_creates_missing_keys_from_the_initial_value(cache):
    assert memcache.offset_multi({'a': 5, 'b': -3}, initial_value=4) == {'a': 9, 'b': 1}


# -- delete ----------------------------------------------------------------------------------------------------

def test_delete_reports_whether_the_key_was_there(cache):
    memcache.set('k', 1)

    assert memcache.delete('k') == memcache.DELETE_SUCCESSFUL
    assert memcache.delete('k') == memcache.DELETE_ITEM_MISSING
    assert memcache.get('k') is None


def test_delete_with_seconds_locks_the_key_against_add_and_replace_but_not_set(cache):
    memcache.set('k', 1)
    assert memcache.delete('k', seconds=10) == memcache.DELETE_SUCCESSFUL

    assert memcache.get('k') is None
    assert memcache.get_multi(['k'], for_cas=True) == {}
    assert not memcache.add('k', 2)
    assert not memcache.replace('k', 3)
    assert memcache.incr('k') is None
    assert cache.items[':k']['exptime'] == 10
    assert memcache.set('k', 4)
    assert memcache.get('k') == 4


def test_incr_with_an_initial_value_overwrites_a_lock(cache):
    memcache.set('k', 1)
    memcache.delete('k', seconds=10)

    assert memcache.incr('k', initial_value=7) == 8
    assert memcache.get('k') == 8


def test_delete_with_seconds_of_a_missing_key_locks_nothing(cache):
    assert memcache.delete('k', seconds=10) == memcache.DELETE_ITEM_MISSING
    assert memcache.add('k', 1)


# -- multi, flush, stats ---------------------------------------------------------------------------------------

def test_multi_calls_are_batched_protocol_calls(cache):
    keys = ['k%d' % number for number in range(5)]

    assert memcache.set_multi(dict.fromkeys(keys, 'v'), time=30) == []
    assert memcache.get_multi(keys + ['missing']) == dict.fromkeys(keys, 'v')
    assert memcache.delete_multi(keys[:2])

    gets = [line for line in cache.lines if line.startswith('get ')]
    assert len(gets) == 1 and sorted(gets[0].split()[1:]) == sorted(':' + key for key in keys + ['missing'])
    assert cache.connections == 1
    assert sorted(memcache.get_multi(keys)) == keys[2:]


def test_a_value_memcached_refuses_is_not_stored_and_the_others_are(cache):
    cache.max_value_size = 10

    assert memcache.set_multi({'big': 'x' * 11, 'small': 'x'}) == ['big']
    assert memcache.get_multi(['big', 'small']) == {'small': 'x'}
    assert memcache.set('small', 'y') and memcache.get('small') == 'y'


def test_add_multi_returns_the_keys_not_stored(cache):
    memcache.set('b', 'old')

    assert memcache.add_multi({'a': 1, 'b': 2}) == ['b']


def test_flush_all_empties_memcached(cache):
    memcache.set('k', 1)

    assert memcache.flush_all()
    assert cache.items == {}


def test_stats_come_from_memcached_counters(cache):
    memcache.set('k', 'value')

    stats = memcache.get_stats()

    assert stats == {'hits': 7, 'misses': 3, 'byte_hits': 1234, 'items': 1, 'bytes': len(':k') + len('value'),
                     'oldest_item_age': 42}


# -- several servers and failures ------------------------------------------------------------------------------

def test_keys_are_spread_over_several_servers_and_read_back_from_them():
    first, second = FakeMemcached(), FakeMemcached()
    try:
        cluster = install(first.port, second.port)
        keys = ['key-%d' % number for number in range(40)]
        memcache.set_multi(dict((key, key) for key in keys))

        assert memcache.get_multi(keys) == dict((key, key) for key in keys)
        assert first.items and second.items
        assert len(first.items) + len(second.items) == 40
        assert memcache.get_stats()['items'] == 40
        cluster.close()
    finally:
        first.stop()
        second.stop()


def test_a_dead_server_means_misses_for_its_keys_only():
    live = FakeMemcached()
    try:
        cluster = install(live.port, closed_port())
        keys = ['key-%d' % number for number in range(40)]
        not_stored = memcache.set_multi(dict((key, key) for key in keys))

        assert 0 < len(not_stored) < 40
        assert sorted(memcache.get_multi(keys)) == sorted(set(keys) - set(not_stored))
        assert memcache.get_stats()['items'] == 40 - len(not_stored)
        assert not memcache.flush_all()
        cluster.close()
    finally:
        live.stop()


def test_an_unreachable_server_fails_fast_as_misses_and_errors():
    cluster = install(closed_port())
    started = time.time()

    assert memcache.get('k') is None
    assert not memcache.set('k', 1)
    assert memcache.incr('k', initial_value=0) is None
    assert memcache.delete('k') == memcache.DELETE_NETWORK_FAILURE
    assert memcache.get_stats() is None
    assert time.time() - started < 1
    cluster.close()


def test_a_server_that_stops_answering_times_out_instead_of_hanging(fake):
    cluster = install(fake.port, io_timeout=0.3)
    memcache.set('k', 1)
    fake.hang = True
    started = time.time()

    assert memcache.get('k') is None
    assert time.time() - started < 1.5
    cluster.close()


def test_an_unreachable_server_is_tried_again_after_retry_after(fake):
    port = fake.port
    fake.stop()
    cluster = install(port, retry_after=0.2)
    assert not memcache.set('k', 1)
    revived = FakeMemcached(port)
    try:
        assert not memcache.set('k', 1)
        time.sleep(0.3)

        assert memcache.set('k', 1)
    finally:
        revived.stop()
        cluster.close()


def test_pooled_connections_the_server_closed_are_replaced(fake):
    cluster = install(fake.port)
    memcache.set('k', 1)
    fake.close_connections()

    assert memcache.get('k') == 1
    assert fake.connections == 2
    assert memcache.set('k', 2) and memcache.get('k') == 2
    cluster.close()
