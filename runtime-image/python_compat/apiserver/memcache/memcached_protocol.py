"""The memcached text protocol (memcached's doc/protocol.txt) to one server, over a small pool of connections.

Plain sockets: under gevent's monkey-patching every wait on the network lets other greenlets run. Each call
borrows a connection, pipelines all its commands in one write and reads the replies in order. A connection
whose exchange failed half-way is closed, never reused: where its stream stands is unknown. A server that
cannot be reached is skipped for `retry_after` seconds, so callers get an error at once instead of a wait.
"""

import collections
import logging
import re
import socket
import time

_log = logging.getLogger(__name__)

MAX_KEY_LENGTH = 250
# What memcached's text protocol takes as a key: printable ASCII without spaces, at most 250 bytes.
VALID_KEY = re.compile(r'[\x21-\x7e]{1,%d}\Z' % MAX_KEY_LENGTH)
# Keys per `get` command line: memcached reads very long lines in pieces, short ones in one go.
KEYS_PER_GET = 100
# A reply line longer than this means the stream is not memcached's protocol.
MAX_LINE_LENGTH = 8192
_RECV_SIZE = 65536

class Item(collections.namedtuple('Item', 'flags value cas')):
    """A value read from memcached: its 32-bit flags, its bytes, and its cas unique (None for `get`)."""
    __slots__ = ()


class MemcachedError(Exception):
    """The server answered with ERROR, CLIENT_ERROR or SERVER_ERROR where a result was expected."""


class ServerUnavailable(Exception):
    """The server could not be reached, or the connection failed or timed out during an exchange."""

    def __init__(self, server, reason, timed_out=False):
        Exception.__init__(self, 'memcached %s: %s' % (server, reason))
        self.timed_out = timed_out


class _ConnectionClosed(Exception):
    pass


class _Connection(object):
    """One socket to the server with a read buffer; `received_any`: whether the server has answered anything
    since the last send."""

    def __init__(self, sock):
        self._sock = sock
        self._buffer = ''
        self._position = 0
        self.received_any = False
        # Set by a reader that saw a reply after which the stream may be out of step (CLIENT_ERROR, ERROR).
        self.reusable = True

    def send(self, data):
        self.received_any = False
        self._sock.sendall(data)

    def read_line(self):
        """The next reply line, without its CRLF."""
        while True:
            end = self._buffer.find('\r\n', self._position)
            if end >= 0:
                line = self._buffer[self._position:end]
                self._position = end + 2
                return line
            if len(self._buffer) - self._position > MAX_LINE_LENGTH:
                raise MemcachedError('reply line longer than %d bytes' % MAX_LINE_LENGTH)
            self._buffer = self._buffer[self._position:] + self._receive()
            self._position = 0

    def read_block(self, size):
        """The next `size` bytes and the CRLF that ends a data block (checked, not returned)."""
        wanted = size + 2
        available = len(self._buffer) - self._position
        if available < wanted:
            parts = [self._buffer[self._position:]]
            while available < wanted:
                chunk = self._receive()
                parts.append(chunk)
                available += len(chunk)
            self._buffer, self._position = ''.join(parts), 0
        block = self._buffer[self._position:self._position + wanted]
        self._position += wanted
        if not block.endswith('\r\n'):
            raise MemcachedError('data block not terminated by CRLF')
        return block[:-2]

    def _receive(self):
        chunk = self._sock.recv(_RECV_SIZE)
        if not chunk:
            raise _ConnectionClosed()
        self.received_any = True
        return chunk

    def close(self):
        try:
            self._sock.close()
        except socket.error:
            pass


def check_key(key):
    """Raises ValueError unless `key` is a key memcached's text protocol can carry."""
    if not VALID_KEY.match(key):
        raise ValueError('not a memcached key: %r' % (key,))


class MemcachedServer(object):
    """One memcached server: its commands, each a single pipelined exchange on a pooled connection.

    connect_timeout / io_timeout: seconds to wait for a connection / for each read or write.
    max_idle: connections kept open between calls; more are opened when more calls run at once.
    retry_after: seconds a server that could not be reached (or timed out) is reported unavailable without
        trying it again.
    """

    def __init__(self, host, port, connect_timeout=1.0, io_timeout=2.0, max_idle=8, retry_after=2.0,
                 clock=time.time):
        self.host = host
        self.port = port
        self.name = '[%s]:%d' % (host, port) if ':' in host else '%s:%d' % (host, port)
        self._connect_timeout = connect_timeout
        self._io_timeout = io_timeout
        self._max_idle = max_idle
        self._retry_after = retry_after
        self._clock = clock
        self._idle = []
        self._unavailable_until = 0

    def __repr__(self):
        return 'MemcachedServer(%s)' % self.name

    # -- commands ------------------------------------------------------------------------------------------

    def get_many(self, keys, with_cas=False):
        """{key: Item} for the `keys` the server holds; `gets` (cas uniques) when `with_cas`."""
        for key in keys:
            check_key(key)
        command = 'gets' if with_cas else 'get'
        batches = [keys[start:start + KEYS_PER_GET] for start in range(0, len(keys), KEYS_PER_GET)]
        request = ''.join('%s %s\r\n' % (command, ' '.join(batch)) for batch in batches)

        def read(connection):
            found, ends = {}, 0
            while ends < len(batches):
                line = connection.read_line()
                if line == 'END':
                    ends += 1
                    continue
                words = line.split(' ')
                if words[0] != 'VALUE' or len(words) < (5 if with_cas else 4):
                    connection.reusable = False
                    raise MemcachedError('%s: %s' % (command, line))
                value = connection.read_block(int(words[3]))
                found[words[1]] = Item(int(words[2]), value, int(words[4]) if with_cas else None)
            return found

        return self._exchange(request, read) if keys else {}

    def store_many(self, entries):
        """Runs storage commands; `entries` are (command, key, flags, exptime, value, cas_unique or None) with
        command one of set/add/replace/cas. Returns each command's reply line (STORED, NOT_STORED, EXISTS,
        NOT_FOUND, or an error line)."""
        lines = []
        for command, key, flags, exptime, value, cas_unique in entries:
            check_key(key)
            cas_word = ' %d' % cas_unique if command == 'cas' else ''
            lines.append('%s %s %d %d %d%s\r\n%s\r\n' % (command, key, flags, exptime, len(value), cas_word, value))
        return self._one_line_each(lines)

    def run_many(self, commands):
        """Runs one-line commands (`delete k`, `incr k 5`, ...), returning each one's reply line."""
        return self._one_line_each(['%s\r\n' % command for command in commands])

    def flush_all(self):
        reply = self._one_line_each(['flush_all\r\n'])[0]
        if reply != 'OK':
            raise MemcachedError('flush_all: %s' % reply)

    def stats(self, group=None):
        """{name: value string} of `stats` or `stats <group>` (e.g. `items`)."""
        def read(connection):
            values = {}
            while True:
                line = connection.read_line()
                if line == 'END':
                    return values
                words = line.split(' ', 2)
                if words[0] != 'STAT' or len(words) != 3:
                    connection.reusable = False
                    raise MemcachedError('stats: %s' % line)
                values[words[1]] = words[2]

        return self._exchange('stats %s\r\n' % group if group else 'stats\r\n', read)

    def _one_line_each(self, lines):
        def read(connection):
            replies = [connection.read_line() for _ in lines]
            # After these the server may have read a data block as a command: the stream can be out of step.
            if any(reply == 'ERROR' or reply.startswith('CLIENT_ERROR') for reply in replies):
                connection.reusable = False
            return replies

        return self._exchange(''.join(lines), read)

    # -- connections ---------------------------------------------------------------------------------------

    def _exchange(self, request, read_replies):
        """Sends `request` on a pooled connection; returns read_replies(connection)."""
        connection, reused = self._borrow()
        try:
            try:
                connection.send(request)
                result = read_replies(connection)
            except (socket.error, _ConnectionClosed) as error:
                connection.close()
                # A pooled connection the server closed while it was idle (a restart): it never saw the request.
                if not (reused and not connection.received_any and not isinstance(error, socket.timeout)):
                    raise
                connection, reused = self._connect(), False
                connection.send(request)
                result = read_replies(connection)
        except socket.timeout:
            connection.close()
            self._mark_unavailable()
            raise ServerUnavailable(self.name, 'no reply within %.1f s' % self._io_timeout, timed_out=True)
        except (socket.error, _ConnectionClosed) as error:
            connection.close()
            raise ServerUnavailable(self.name, 'connection failed: %s' % (error or 'closed by the server'))
        except BaseException:
            connection.close()
            raise
        self._give_back(connection)
        return result

    def _borrow(self):
        try:
            return self._idle.pop(), True
        except IndexError:
            return self._connect(), False

    def _give_back(self, connection):
        if connection.reusable and len(self._idle) < self._max_idle:
            self._idle.append(connection)
        else:
            connection.close()

    def _connect(self):
        if self._clock() < self._unavailable_until:
            raise ServerUnavailable(self.name, 'unreachable recently, retrying after %.1f s' % self._retry_after)
        try:
            sock = socket.create_connection((self.host, self.port), self._connect_timeout)
        except socket.error as error:
            self._mark_unavailable()
            raise ServerUnavailable(self.name, 'cannot connect: %s' % error,
                                    timed_out=isinstance(error, socket.timeout))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(self._io_timeout)
        return _Connection(sock)

    def _mark_unavailable(self):
        if self._clock() >= self._unavailable_until:
            _log.warning('memcached %s unavailable; skipping it for %.1f s', self.name, self._retry_after)
        self._unavailable_until = self._clock() + self._retry_after
        while self._idle:
            self._idle.pop().close()

    def close(self):
        """Closes the idle connections."""
        while self._idle:
            self._idle.pop().close()
