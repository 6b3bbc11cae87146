"""Several memcached servers as one cache: the server list, consistent key->server hashing, and calls that
fan out to the servers concurrently.

Each key lives on exactly one server, chosen by a ketama-style hash ring: adding or removing a server moves
only about 1/n of the keys. A server that is down is not replaced by another one (that would hand out stale
values once it is back): its keys miss and its writes fail until it answers again.
"""

import bisect
import collections
import hashlib
import logging
import re
import struct

from python_compat.apiserver.memcache import memcached_protocol

_log = logging.getLogger(__name__)

DEFAULT_PORT = 11211
# Points on the ring per server: enough for an even spread over a few servers.
RING_POINTS_PER_SERVER = 160
_SERVER = re.compile(r'(?:\[(?P<ipv6>[0-9A-Fa-f:.]+)\]|(?P<host>[A-Za-z0-9_.-]+))(?::(?P<port>[0-9]{1,5}))?\Z')
_FAILURES = (memcached_protocol.ServerUnavailable, memcached_protocol.MemcachedError)


def parse_servers(text):
    """[(host, port)] from `host:port,host:port` (port 11211 when left out; IPv6 as `[::1]:11211`).

    Raises ValueError naming the entry that is wrong.
    """
    servers = []
    for entry in text.split(','):
        entry = entry.strip()
        match = _SERVER.match(entry)
        port = int(match.group('port') or DEFAULT_PORT) if match else 0
        if not match or not 0 < port < 65536:
            raise ValueError('expected a comma-separated list of host:port, got %r in %r' % (entry, text))
        server = (match.group('ipv6') or match.group('host'), port)
        if server not in servers:
            servers.append(server)
    return servers


class HashRing(object):
    """Maps keys to nodes so that each node owns many small arcs of a 32-bit circle (ketama's layout)."""

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
    """The memcached servers at `addresses` ([(host, port)]); `server_options` go to each MemcachedServer."""

    def __init__(self, addresses, **server_options):
        if not addresses:
            raise ValueError('no memcached servers given')
        self.servers = [memcached_protocol.MemcachedServer(host, port, **server_options) for host, port in addresses]
        self._ring = HashRing(self.servers, [server.name for server in self.servers])

    def server_for(self, key):
        if len(self.servers) == 1:
            return self.servers[0]
        return self._ring.node_for(key)

    def get_many(self, keys, with_cas=False):
        """{key: Item} of the `keys` found; keys on a server that failed are left out, as misses."""
        found = {}
        for server, result in self._per_server(keys, lambda key: key,
                                               lambda server, own: server.get_many(own, with_cas)):
            if isinstance(result, Exception):
                # Not a warning: the server logs once when it becomes unavailable, and misses are normal.
                _log.debug('memcache get: %s', result)
            else:
                found.update(result)
        return found

    def store_many(self, entries):
        """Each entry's reply (see MemcachedServer.store_many), or the exception of the server that failed."""
        return self._each(entries, lambda entry: entry[1], lambda server, own: server.store_many(own))

    def run_many(self, commands):
        """Runs one-line commands `(name, key, arguments...)`; returns each one's reply line or exception."""
        return self._each(commands, lambda command: command[1],
                          lambda server, own: server.run_many([' '.join(map(str, command)) for command in own]))

    def flush_all(self):
        """Flushes every server; returns the exceptions of those that failed."""
        results = self._fan_out([(server, server.flush_all, ()) for server in self.servers])
        return [result for result in results if isinstance(result, Exception)]

    def stats(self):
        """[(`stats`, `stats items`) dicts] of each server that answered, and the exceptions of the others."""
        results = self._fan_out([(server, _both_stats, (server,)) for server in self.servers])
        return ([result for result in results if not isinstance(result, Exception)],
                [result for result in results if isinstance(result, Exception)])

    def close(self):
        for server in self.servers:
            server.close()

    def _each(self, entries, key_of, call):
        """call(server, its entries) -> a list aligned with them, per server; the results in `entries` order."""
        results = [None] * len(entries)
        groups = collections.OrderedDict()
        for index, entry in enumerate(entries):
            groups.setdefault(self.server_for(key_of(entry)), []).append(index)
        outcomes = self._fan_out([(server, call, (server, [entries[index] for index in indexes]))
                                  for server, indexes in groups.items()])
        for indexes, outcome in zip(groups.values(), outcomes):
            for position, index in enumerate(indexes):
                results[index] = outcome if isinstance(outcome, Exception) else outcome[position]
        return results

    def _per_server(self, keys, key_of, call):
        groups = collections.OrderedDict()
        for key in keys:
            groups.setdefault(self.server_for(key_of(key)), []).append(key)
        outcomes = self._fan_out([(server, call, (server, own)) for server, own in groups.items()])
        return zip(groups.keys(), outcomes)

    @staticmethod
    def _fan_out(calls):
        """Runs (server, function, arguments) calls, concurrently when there are several; returns each one's
        result, or the exception of a server that failed."""
        def run(function, arguments):
            try:
                return function(*arguments)
            except _FAILURES as error:
                return error

        if len(calls) <= 1:
            return [run(function, arguments) for _, function, arguments in calls]
        import gevent  # only here: this module must not need gevent to parse a server list
        greenlets = [gevent.spawn(run, function, arguments) for _, function, arguments in calls]
        gevent.joinall(greenlets, raise_error=True)
        return [greenlet.value for greenlet in greenlets]


def _both_stats(server):
    return server.stats(), server.stats('items')
