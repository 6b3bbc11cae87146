"""HTTP to the API server: a pool of keep-alive connections, and calls whose send and receive are separate.

Plain httplib/socket, so gevent's monkey-patching makes every wait cooperative. A call sends its request
when it starts and reads the reply when it is waited on; several calls in flight use several connections,
which is how the async API (ndb's parallel gets, `make_call` then `wait`) runs calls concurrently without
threads.
"""

import collections
import errno
import httplib
import os
import socket

from google.appengine.runtime import apiproxy_errors

from python_compat.apiclient import protocol

# Extra seconds to wait beyond the call's deadline, so the server's own DEADLINE_EXCEEDED can arrive.
DEADLINE_GRACE_SECONDS = 1.0
MAX_IDLE_CONNECTIONS = 64
_REQUEST_HEADERS = (
    ('Content-Type', protocol.CONTENT_TYPE),
    (protocol.ENDPOINT_HEADER, protocol.ENDPOINT),
    (protocol.METHOD_HEADER, protocol.METHOD),
)
# Failures of a reused connection that mean the server closed it while it sat idle, before our request.
_STALE_CONNECTION_ERRNOS = (errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED)


class ConnectionPool(object):
    """Idle keep-alive connections to one API server, shared by every thread and greenlet of a process.

    A connection belongs to one call from send to the end of its reply, then returns here. After a fork
    (gunicorn workers) the parent's connections are dropped, never shared.
    """

    def __init__(self, host, port, max_idle=MAX_IDLE_CONNECTIONS):
        self.host = host
        self.port = port
        self._max_idle = max_idle
        self._idle = collections.deque()
        self._pid = os.getpid()

    def acquire(self, timeout):
        """(connection, reused): an idle connection if there is one, else a new one (connected lazily)."""
        if self._pid != os.getpid():
            self._idle = collections.deque()
            self._pid = os.getpid()
        try:
            connection, reused = self._idle.pop(), True
        except IndexError:
            connection, reused = _NoDelayHTTPConnection(self.host, self.port), False
        connection.timeout = timeout
        if connection.sock is not None:
            connection.sock.settimeout(timeout)
        return connection, reused

    def release(self, connection):
        """Returns a connection whose reply has been read completely."""
        if len(self._idle) < self._max_idle and self._pid == os.getpid():
            self._idle.append(connection)
        else:
            connection.close()

    def close(self):
        """Closes every idle connection."""
        while self._idle:
            self._idle.pop().close()


class _NoDelayHTTPConnection(httplib.HTTPConnection):
    """Disables Nagle's algorithm: one small request per call, waiting on a delayed ACK costs up to 40 ms."""

    def connect(self):
        httplib.HTTPConnection.connect(self)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class PendingCall(object):
    """One remote_api Request on its way to the API server: sent by the constructor, read by `result()`."""

    def __init__(self, pool, body, deadline_seconds):
        self._pool = pool
        self._body = body
        self._deadline = deadline_seconds
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
            self._put_request()
        except (socket.error, httplib.HTTPException):
            if not self._reused:
                self._abandon()
                raise
            # The server closed this idle connection (e.g. it restarted): a fresh one gets the request.
            self._resend_on_new_connection()

    def _resend_on_new_connection(self):
        self._abandon()
        self._connection, self._reused = _NoDelayHTTPConnection(self._pool.host, self._pool.port), False
        self._connection.timeout = self._deadline + DEADLINE_GRACE_SECONDS
        self._put_request()

    def _put_request(self):
        connection = self._connection
        connection.putrequest('POST', protocol.PATH, skip_accept_encoding=True)
        for name, value in _REQUEST_HEADERS:
            connection.putheader(name, value)
        connection.putheader(protocol.DEADLINE_HEADER, repr(float(self._deadline)))
        connection.putheader('Content-Length', str(len(self._body)))
        # Headers and body leave in one segment (httplib joins them when the body is a str).
        connection.endheaders(self._body)

    def result(self):
        """The serialized remote_api Response; raises apiproxy_errors for transport failures."""
        try:
            if self._send_error is not None:
                raise self._send_error
            try:
                return self._read_reply()
            except (httplib.BadStatusLine, socket.error) as error:
                if not (self._reused and _is_stale_connection_error(error)):
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
        reply = self._connection.getresponse()
        body = reply.read()
        if reply.status != 200:
            self._abandon()
            raise apiproxy_errors.RPCFailedError(
                'API server at %s:%d answered HTTP %d %s' % (self._pool.host, self._pool.port, reply.status,
                                                             reply.reason))
        if reply.will_close:
            self._abandon()
        else:
            self._pool.release(self._connection)
            self._connection = None
        return body

    def _abandon(self):
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _is_stale_connection_error(error):
    if isinstance(error, httplib.BadStatusLine):
        # Closed before any reply: on an idle keep-alive connection, the server closed it unread.
        return True
    return getattr(error, 'errno', None) in _STALE_CONNECTION_ERRNOS
