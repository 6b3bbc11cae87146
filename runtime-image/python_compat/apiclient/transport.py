"""HTTP to the API server: a pool of keep-alive connections, and calls whose send and receive are separate.

Plain sockets, so gevent's monkey-patching makes every wait cooperative. A call sends its request
when it starts and reads the reply when it is waited on; several calls in flight use several connections,
which is how the async API (ndb's parallel gets, `make_call` then `wait`) runs calls concurrently without
threads.
"""

import errno
import httplib
import socket

from google.appengine.runtime import apiproxy_errors

from python_compat.apiclient import connection_pool
from python_compat.wire import api_signature
from python_compat.wire import rpc_protocol

# Extra seconds to wait beyond the call's deadline, so the server's own DEADLINE_EXCEEDED can arrive.
DEADLINE_GRACE_SECONDS = 1.0
# How often a refused connection is tried again while the call's deadline allows.
# Bytes asked of each recv(): a whole reply of a typical call in one.
RECEIVE_SIZE = 65536
MAX_HEAD_BYTES = 65536
_REQUEST_HEADERS = (
    ('Content-Type', rpc_protocol.CONTENT_TYPE),
    (rpc_protocol.ENDPOINT_HEADER, rpc_protocol.ENDPOINT),
    (rpc_protocol.METHOD_HEADER, rpc_protocol.METHOD),
)
# Failures of a reused connection that mean the server closed it while it sat idle, before our request.
_STALE_CONNECTION_ERRNOS = (errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED)


class ConnectionPool(connection_pool.ConnectionPool):
    """Idle keep-alive connections to one API server over HTTP (connection_pool.py)."""

    def __init__(self, host, port, max_idle=connection_pool.MAX_IDLE_CONNECTIONS, signer=None):
        connection_pool.ConnectionPool.__init__(self, lambda timeout: _Connection(host, port, timeout),
                                                (errno.ECONNREFUSED,), max_idle)
        self.host = host
        self.port = port
        # A wire.api_signature.Signer when the server authenticates its callers (API_SERVER_SECRET), else None.
        self.signer = signer
        # Everything of a request before its deadline header: the same for every call to this server.
        self.request_head = _request_head(host, port)


def _request_head(host, port):
    host_header = '[%s]' % host if ':' in host else host
    lines = ['POST %s HTTP/1.1' % rpc_protocol.PATH, 'Host: %s:%d' % (host_header, port)]
    lines.extend('%s: %s' % header for header in _REQUEST_HEADERS)
    return '\r\n'.join(lines) + '\r\n'


class ServerClosedConnection(httplib.HTTPException):
    """The server closed the connection before the reply was complete."""


class _Connection(object):
    """One keep-alive HTTP/1.1 connection to the API server.

    Not httplib: its replies are read through an unbuffered socket file, one recv() per byte of the status
    line and headers (about a hundred per call), which cost more CPU than the rest of the call. This one
    reads through a buffer and knows only what the service bridge protocol needs.
    """

    def __init__(self, host, port, timeout):
        self.sock = socket.create_connection((host, port), timeout)
        # Nagle's algorithm: one small request per call, waiting on a delayed ACK costs up to 40 ms.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buffer = ''
        # False once any byte of the reply being read has arrived: the server has seen the request.
        self.nothing_received = True

    def send(self, data):
        self.sock.sendall(data)

    def read_reply(self):
        """(status, reason, body, keep_alive) of the next reply; ServerClosedConnection, BadStatusLine..."""
        self.nothing_received = True
        head = self._read_head()
        lines = head.split('\r\n')
        version, _, rest = lines[0].partition(' ')
        status_text, _, reason = rest.partition(' ')
        if not version.startswith('HTTP/1.') or not status_text.isdigit():
            raise httplib.BadStatusLine(lines[0])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(':')
            headers[name.strip().lower()] = value.strip()
        connection_tokens = headers.get('connection', '').lower()
        keep_alive = ('keep-alive' in connection_tokens if version == 'HTTP/1.0'
                      else 'close' not in connection_tokens)
        if 'chunked' in headers.get('transfer-encoding', '').lower():
            body = self._read_chunked()
        elif 'content-length' in headers:
            try:
                length = int(headers['content-length'])
            except ValueError:
                raise httplib.HTTPException('bad Content-Length %r' % headers['content-length'])
            body = self._read_exactly(length)
        else:
            body, keep_alive = self._read_to_end(), False
        if self._buffer:
            # More than one reply to one request: the connection's state is unknown.
            keep_alive = False
        return int(status_text), reason, body, keep_alive

    def _receive(self):
        data = self.sock.recv(RECEIVE_SIZE)
        if not data:
            raise ServerClosedConnection('connection closed by the API server')
        self.nothing_received = False
        self._buffer += data

    def _read_head(self):
        end = self._buffer.find('\r\n\r\n')
        while end < 0:
            if len(self._buffer) > MAX_HEAD_BYTES:
                raise httplib.HTTPException('reply headers longer than %d bytes' % MAX_HEAD_BYTES)
            self._receive()
            end = self._buffer.find('\r\n\r\n')
        head, self._buffer = self._buffer[:end], self._buffer[end + 4:]
        return head

    def _read_exactly(self, length):
        if len(self._buffer) >= length:
            data, self._buffer = self._buffer[:length], self._buffer[length:]
            return data
        chunks, received = [self._buffer], len(self._buffer)
        self._buffer = ''
        while received < length:
            data = self.sock.recv(max(length - received, RECEIVE_SIZE))
            if not data:
                raise ServerClosedConnection('connection closed by the API server')
            chunks.append(data)
            received += len(data)
        data = ''.join(chunks)
        self._buffer = data[length:]
        return data[:length]

    def _read_line(self):
        end = self._buffer.find('\r\n')
        while end < 0:
            self._receive()
            end = self._buffer.find('\r\n')
        line, self._buffer = self._buffer[:end], self._buffer[end + 2:]
        return line

    def _read_chunked(self):
        chunks = []
        while True:
            size_text = self._read_line().split(';', 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise httplib.HTTPException('bad chunk size %r' % size_text)
            if size == 0:
                break
            chunks.append(self._read_exactly(size))
            self._read_exactly(2)
        while self._read_line():  # trailers, up to the empty line
            pass
        return ''.join(chunks)

    def _read_to_end(self):
        chunks = [self._buffer]
        self._buffer = ''
        while True:
            data = self.sock.recv(RECEIVE_SIZE)
            if not data:
                return ''.join(chunks)
            chunks.append(data)

    def close(self):
        self.sock.close()


class PendingCall(object):
    """One remote_api Request on its way to the API server: sent by the constructor, read by `result()`."""

    def __init__(self, pool, body, deadline_seconds):
        self._pool = pool
        self._deadline = deadline_seconds
        # Headers and body leave in one segment.
        signature = '' if pool.signer is None else '%s: %s\r\n' % (
            api_signature.HEADER, pool.signer.header_value('POST', rpc_protocol.PATH, '', body))
        self._request = '%s%s: %r\r\n%sContent-Length: %d\r\n\r\n%s' % (
            pool.request_head, rpc_protocol.DEADLINE_HEADER, float(deadline_seconds), signature, len(body), body)
        self._connection = None
        self._reused = False
        self._send_error = None
        try:
            self._send()
        except (socket.error, httplib.HTTPException) as error:
            # Reported by result(), where the caller of an asynchronous call expects its errors.
            self._send_error = error

    def _send(self):
        self._connection, self._reused = self._pool.acquire(self._deadline + DEADLINE_GRACE_SECONDS)
        try:
            self._connection.send(self._request)
        except socket.error:
            if not self._reused:
                self._abandon()
                raise
            # The server closed this idle connection (e.g. it restarted): a fresh one gets the request.
            self._resend_on_new_connection()

    def _resend_on_new_connection(self):
        self._abandon()
        self._connection = self._pool.connect(self._deadline + DEADLINE_GRACE_SECONDS)
        self._reused = False
        self._connection.send(self._request)

    def result(self):
        """The serialized remote_api Response; raises apiproxy_errors for transport failures."""
        try:
            if self._send_error is not None:
                raise self._send_error
            try:
                return self._read_reply()
            except (ServerClosedConnection, socket.error) as error:
                if not (self._reused and self._connection.nothing_received
                        and _is_stale_connection_error(error)):
                    raise
                self._resend_on_new_connection()
                return self._read_reply()
        except socket.timeout:
            self._abandon()
            raise apiproxy_errors.DeadlineExceededError(
                'API server at %s:%d did not answer within %.1f s' % (self._pool.host, self._pool.port,
                                                                      self._deadline))
        except (socket.error, httplib.HTTPException) as error:
            self._abandon()
            raise apiproxy_errors.RPCFailedError(
                'API server at %s:%d unreachable: %s' % (self._pool.host, self._pool.port, error))

    def _read_reply(self):
        status, reason, body, keep_alive = self._connection.read_reply()
        if status != 200:
            self._abandon()
            raise apiproxy_errors.RPCFailedError('API server at %s:%d answered HTTP %d %s%s' % (
                self._pool.host, self._pool.port, status, reason, ': ' + body.strip()[:200] if body.strip() else ''))
        if keep_alive:
            self._pool.release(self._connection)
            self._connection = None
        else:
            self._abandon()
        return body

    def _abandon(self):
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _is_stale_connection_error(error):
    if isinstance(error, ServerClosedConnection):
        # On an idle keep-alive connection: the server closed it unread.
        return True
    return getattr(error, 'errno', None) in _STALE_CONNECTION_ERRNOS
