"""Several memcached servers as one cache: which server holds each key, a pool of pymemcache clients per
server, and calls that fan out to the servers concurrently.

pymemcache speaks memcached's protocol. Its HashClient is not used: App Engine's semantics need what it hides.
In its retry window a dead server's `delete` answers "not found" instead of failing; after a few failures it
drops the server from the hash, so the server's keys move to another one and are read stale once it is back;
with errors not ignored, `set_many`/`get_many` stop at the first server that fails; and it has no `stats`.
Nor is its hasher (see HashRing).

Here a server that is down keeps its keys: they miss and their writes fail until it answers again. After a
connection failure or a time-out the server is skipped for `retry_after` seconds, so callers get an error at
once instead of a wait. Plain sockets: under gevent's monkey-patching every wait lets other greenlets run.
"""

import bisect
import collections
import errno
import hashlib
import logging
import socket
import struct
import time

from pymemcache import exceptions
from pymemcache.client.base import PooledClient
from pymemcache.client.retrying import RetryingClient

_log = logging.getLogger(__name__)

# What a command did to its key (pymemcache answers True/False/None; these name the cases).
STORED = 'stored'
NOT_STORED = 'not stored'
EXISTS = 'exists'  # cas: the value changed since it was read
NOT_FOUND = 'not found'  # cas, delete, incr/decr: there is no value
DELETED = 'deleted'
NOT_A_NUMBER = 'not a number'  # incr/decr: the value is not a decimal unsigned 64-bit integer
_CAS_OUTCOMES = {True: STORED, False: EXISTS, None: NOT_FOUND}

# Points on the ring per server: enough for an even spread over a few servers.
RING_POINTS_PER_SERVER = 160
# Pooled connections idle for longer are closed; the pool grows to the number of concurrent calls.
POOL_IDLE_SECONDS = 60
# Socket errors of a connection that was open (the server closed or reset it): they say nothing about
# whether the server can be reached now, unlike refused or unreachable connections and time-outs.
_LOST_CONNECTION_ERRNOS = (errno.ECONNRESET, errno.EPIPE)
# Errors memcached replies with for one command; the others' replies are still good.
_ERROR_REPLIES = (exceptions.MemcacheClientError, exceptions.MemcacheServerError, exceptions.MemcacheUnknownError)


class Item(collections.namedtuple('Item', 'flags value cas')):
    """A value read from memcached: its 32-bit flags, its bytes, and its cas unique (None for `get`)."""
    __slots__ = ()


class ServerUnavailable(Exception):
    """The server could not be reached, or the connection failed or timed out during an exchange."""

    def __init__(self, server, reason, timed_out=False):
        Exception.__init__(self, 'memcached %s: %s' % (server, reason))
        self.timed_out = timed_out


class _KeepFlags(object):
    """pymemcache serde: values are stored as given, (bytes, flags) pairs, and read back as (flags, bytes)."""

    @staticmethod
    def serialize(key, value):  # pylint: disable=unused-argument
        return value

    @staticmethod
    def deserialize(key, value, flags):  # pylint: disable=unused-argument
        return flags, value


class _Server(object):
    """One memcached server: a pool of pymemcache clients, and whether it may be tried now."""

    def __init__(self, host, port, connect_timeout, io_timeout, retry_after, clock):
        self.name = '[%s]:%d' % (host, port) if ':' in host else '%s:%d' % (host, port)
        self._pool = PooledClient((host, port), serde=_KeepFlags(), connect_timeout=connect_timeout,
                                  timeout=io_timeout, no_delay=True, pool_idle_timeout=POOL_IDLE_SECONDS,
                                  default_noreply=False)
        # A pooled connection the server closed while it was idle (a restart) fails at once: try another one.
        self._client = RetryingClient(self._pool, attempts=2,
                                      retry_for=[exceptions.MemcacheUnexpectedCloseError])
        self._retry_after = retry_after
        self._clock = clock
        self._unavailable_until = 0

    def __repr__(self):
        return '_Server(%s)' % self.name

    def call(self, operation, *arguments):
        """operation(pymemcache client, *arguments); ServerUnavailable when the server cannot be reached or
        the exchange failed, other pymemcache errors as they are."""
        if self._clock() < self._unavailable_until:
            raise ServerUnavailable(self.name, 'unreachable recently, retrying after %.1f s' % self._retry_after)
        try:
            return operation(self._client, *arguments)
        except socket.timeout as error:
            self._mark_unavailable()
            raise ServerUnavailable(self.name, 'timed out (%s)' % error, timed_out=True)
        except socket.error as error:
            if error.errno not in _LOST_CONNECTION_ERRNOS:
                self._mark_unavailable()
            raise ServerUnavailable(self.name, 'connection failed: %s' % error)
        except exceptions.MemcacheUnexpectedCloseError:
            raise ServerUnavailable(self.name, 'connection closed by the server')

    def _mark_unavailable(self):
        if self._clock() >= self._unavailable_until:
            _log.warning('memcached %s unavailable; skipping it for %.1f s', self.name, self._retry_after)
        self._unavailable_until = self._clock() + self._retry_after

    def close(self):
        self._pool.close()


class HashRing(object):
    """Maps keys to nodes so that each node owns many small arcs of a 32-bit circle (ketama's layout): adding
    or removing a node moves only about 1/n of the keys.

    Ours rather than pymemcache's RendezvousHash: that one hashes every key once per server with a
    pure-Python murmur3, which with 3 servers took 15 times as long as this ring and doubled the CPU of a
    20-key get_multi or set_multi (both measured in one run). Here a key costs one md5 and a binary search,
    whatever the number of servers.
    """

    def __init__(self, nodes, names, points_per_node=RING_POINTS_PER_SERVER):
        points = []
        for node, name in zip(nodes, names):
            for index in range(points_per_node // 4):
                digest = hashlib.md5('%s-%d' % (name, index)).digest()
                # Four points from each 16-byte digest.
                points.extend((point, name, node) for point in struct.unpack('<4I', digest))
        points.sort()
        self._points = [point for point, _, _ in points]
        self._nodes = [node for _, _, node in points]

    def node_for(self, key):
        point = struct.unpack('<I', hashlib.md5(key).digest()[:4])[0]
        index = bisect.bisect(self._points, point)
        return self._nodes[index % len(self._nodes)]


class MemcachedCluster(object):
    """The memcached servers at `addresses` ([(host, port)]).

    connect_timeout / io_timeout: seconds to wait for a connection / for each read or write.
    retry_after: seconds a server that could not be reached (or timed out) is reported unavailable without
        trying it again.
    """

    def __init__(self, addresses, connect_timeout=1.0, io_timeout=2.0, retry_after=2.0, clock=time.time):
        if not addresses:
            raise ValueError('no memcached servers given')
        self.servers = [_Server(host, port, connect_timeout, io_timeout, retry_after, clock)
                        for host, port in addresses]
        self._ring = HashRing(self.servers, [server.name for server in self.servers])

    def server_for(self, key):
        if len(self.servers) == 1:
            return self.servers[0]
        return self._ring.node_for(key)

    def get_many(self, keys, with_cas=False):
        """{key: Item} of the `keys` found; keys on a server that failed are left out, as misses."""
        results = self._each(keys, lambda key: key, lambda client, own: _get_many(client, own, with_cas))
        for error in set(result for result in results if isinstance(result, Exception)):
            # Not a warning: the server logs once when it becomes unavailable, and misses are normal.
            _log.debug('memcache get: %s', error)
        return dict((key, result) for key, result in zip(keys, results) if isinstance(result, Item))

    def store_many(self, entries):
        """Each entry's outcome (STORED, NOT_STORED, EXISTS or NOT_FOUND) or error; `entries` are (command,
        key, flags, exptime, value, cas unique or None) with command one of set/add/replace/cas."""
        return self._each(entries, lambda entry: entry[1], _store_many)

    def delete_many(self, keys):
        """Each key's outcome (DELETED or NOT_FOUND) or error."""
        return self._each(keys, lambda key: key, lambda client, own: [
            _reply_or_error(_delete, client, key) for key in own])

    def offset_many(self, offsets):
        """Each offset's new value, NOT_FOUND, NOT_A_NUMBER or error; `offsets` are (key, delta, decrement)."""
        return self._each(offsets, lambda offset: offset[0], lambda client, own: [
            _reply_or_error(_offset, client, *offset) for offset in own])

    def flush_all(self):
        """Flushes every server; returns the errors of those that failed."""
        results = _fan_out([(server, _flush_all, ()) for server in self.servers])
        return [result for result in results if isinstance(result, Exception)]

    def stats(self):
        """[(`stats`, `stats items`) dicts] of each server that answered, and the errors of the others."""
        results = _fan_out([(server, lambda client: (client.stats(), client.stats('items')), ())
                            for server in self.servers])
        return ([result for result in results if not isinstance(result, Exception)],
                [result for result in results if isinstance(result, Exception)])

    def close(self):
        for server in self.servers:
            server.close()

    def _each(self, entries, key_of, per_server):
        """per_server(client, its entries) -> a list aligned with them, run on each server; the results in
        `entries` order, each one the server's error when it failed."""
        groups = collections.OrderedDict()
        for index, entry in enumerate(entries):
            groups.setdefault(self.server_for(key_of(entry)), []).append(index)
        outcomes = _fan_out([(server, per_server, ([entries[index] for index in indexes],))
                             for server, indexes in groups.items()])
        results = [None] * len(entries)
        for indexes, outcome in zip(groups.values(), outcomes):
            for position, index in enumerate(indexes):
                results[index] = outcome if isinstance(outcome, Exception) else outcome[position]
        return results


def _fan_out(calls):
    """Runs (server, operation, arguments) calls, concurrently when there are several; returns each one's
    result, or the error of a server that failed."""
    def run(server, operation, arguments):
        try:
            return server.call(operation, *arguments)
        except (ServerUnavailable, exceptions.MemcacheError) as error:
            return error

    if len(calls) <= 1:
        return [run(*call) for call in calls]
    import gevent  # only here: this module must not need gevent to build a cluster
    greenlets = [gevent.spawn(run, *call) for call in calls]
    gevent.joinall(greenlets, raise_error=True)
    return [greenlet.value for greenlet in greenlets]


def _reply_or_error(function, *arguments):
    """function(*arguments), or the error memcached replied with; a lost connection still fails the server."""
    try:
        return function(*arguments)
    except exceptions.MemcacheUnexpectedCloseError:
        raise
    except _ERROR_REPLIES as error:
        return error


def _get_many(client, keys, with_cas):
    """An Item or None per key."""
    if with_cas:
        found = dict((key, Item(flags, value, int(cas)))
                     for key, ((flags, value), cas) in client.gets_many(keys).items())
    else:
        found = dict((key, Item(flags, value, None)) for key, (flags, value) in client.get_many(keys).items())
    return [found.get(key) for key in keys]


def _store_many(client, entries):
    """Outcomes of storage entries on one server. The `set`s of one expiration time (a set_multi) go in one
    pipelined exchange; add, replace and cas one by one (pymemcache has no pipelined form of them)."""
    outcomes = [None] * len(entries)
    sets = collections.OrderedDict()
    for index, entry in enumerate(entries):
        if entry[0] == 'set':
            sets.setdefault(entry[3], []).append(index)
        else:
            outcomes[index] = _reply_or_error(_store, client, *entry)
    for exptime, indexes in sets.items():
        values = dict((entries[index][1], (entries[index][4], entries[index][2])) for index in indexes)
        stored = _set_many(client, values, exptime)
        for index in indexes:
            outcomes[index] = stored[entries[index][1]]
    return outcomes


def _store(client, command, key, flags, exptime, value, cas):
    if command == 'cas':
        return _CAS_OUTCOMES[client.cas(key, (value, flags), cas, expire=exptime)]
    return STORED if getattr(client, command)(key, (value, flags), expire=exptime) else NOT_STORED


def _set_many(client, values, exptime):
    """{key: outcome} of `set`s of {key: (value, flags)} in one exchange. When memcached refuses a value (an
    error reply, after which pymemcache drops the connection and the other replies), each key is set on its
    own to learn which."""
    try:
        failed = set(client.set_many(values, expire=exptime))
    except exceptions.MemcacheUnexpectedCloseError:
        raise
    except _ERROR_REPLIES:
        return dict((key, _reply_or_error(_store, client, 'set', key, flags, exptime, value, None))
                    for key, (value, flags) in values.items())
    return dict((key, NOT_STORED if key in failed else STORED) for key in values)


def _delete(client, key):
    return DELETED if client.delete(key) else NOT_FOUND


def _offset(client, key, delta, decrement):
    try:
        value = client.decr(key, delta) if decrement else client.incr(key, delta)
    except exceptions.MemcacheClientError:
        return NOT_A_NUMBER
    return NOT_FOUND if value is None else value


def _flush_all(client):
    if not client.flush_all():
        raise exceptions.MemcacheUnknownError('flush_all was not answered OK')
