"""Framed calls to the embedded API server over its Unix socket (wire/framed_calls.py): a pool of connections,
and calls whose send and receive are separate, like transport.py's over HTTP.

Plain sockets, so gevent's monkey-patching makes every wait cooperative. While the socket is missing or refuses
connections, connecting is tried again until the call's deadline (connection_pool.py).
"""

import errno
import socket

from google.appengine.runtime import apiproxy_errors

from python_compat.apiclient import connection_pool
from python_compat.wire import framed_calls

# Extra seconds to wait beyond the call's deadline, so the server's own DEADLINE_EXCEEDED can arrive.
DEADLINE_GRACE_SECONDS = 1.0
_NOT_LISTENING_ERRNOS = (errno.ENOENT, errno.ECONNREFUSED)
# Failures of a reused connection that mean the server closed it while it sat idle, before our call.
_STALE_CONNECTION_ERRNOS = (errno.ECONNRESET, errno.EPIPE)


class _Connection(object):
    def __init__(self, path, timeout):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        try:
            self.sock.connect(path)
        except socket.error:
            self.sock.close()
            raise
        self.reader = framed_calls.FrameReader(self.sock)

    def close(self):
        self.sock.close()


class FramedChannel(object):
    """Framed calls to the API server listening on the Unix socket at `path`, for every thread and greenlet of a
    process. A connection belongs to one call from send to answer, then returns to the pool; after a fork (gunicorn
    workers) the parent's connections are dropped, never shared."""

    def __init__(self, path, max_idle=connection_pool.MAX_IDLE_CONNECTIONS, when_not_listening=None):
        self.path = path
        self.description = 'API server at %s' % path
        self.pool = connection_pool.ConnectionPool(lambda timeout: _Connection(path, timeout), _NOT_LISTENING_ERRNOS,
                                                   max_idle, when_not_listening)

    def start(self, service, method, request_bytes, ticket, deadline_seconds):
        """Sends a call; returns it pending, its answer read by outcome()."""
        return PendingFramedCall(self, framed_calls.call_frame(service, method, ticket, request_bytes,
                                                               float(deadline_seconds)), deadline_seconds)

    def close(self):
        self.pool.close()


class PendingFramedCall(object):
    """One call on its way: sent by the constructor, its answer read by outcome()."""

    def __init__(self, channel, frame, deadline_seconds):
        self._channel = channel
        self._frame = frame
        self._timeout = deadline_seconds + DEADLINE_GRACE_SECONDS
        self._connection = None
        self._reused = False
        self._send_error = None
        try:
            self._send()
        except socket.error as error:
            # Reported by outcome(), where the caller of an asynchronous call expects its errors.
            self._send_error = error

    def _send(self):
        self._connection, self._reused = self._channel.pool.acquire(self._timeout)
        try:
            self._connection.sock.sendall(self._frame)
        except socket.error:
            if not self._reused:
                self._abandon()
                raise
            self._resend_on_new_connection()

    def _resend_on_new_connection(self):
        self._abandon()
        self._connection = self._channel.pool.connect(self._timeout)
        self._reused = False
        self._connection.sock.sendall(self._frame)

    def outcome(self):
        """(kind, code, payload) of the answer (wire/framed_calls.py); apiproxy_errors for transport failures."""
        try:
            if self._send_error is not None:
                raise self._send_error
            try:
                return self._read_answer()
            except (EOFError, socket.error) as error:
                stale = isinstance(error, EOFError) or getattr(error, 'errno', None) in _STALE_CONNECTION_ERRNOS
                if not (self._reused and stale and not self._connection.reader.buffer):
                    raise
                # The server closed this idle connection (it restarted): a new one gets the call.
                self._resend_on_new_connection()
                return self._read_answer()
        except socket.timeout:
            self._abandon()
            raise apiproxy_errors.DeadlineExceededError(
                '%s did not answer within %.1f s' % (self._channel.description, self._timeout))
        except (socket.error, EOFError, framed_calls.FrameError) as error:
            self._abandon()
            raise apiproxy_errors.RPCFailedError('%s unreachable: %s' % (self._channel.description, error))

    def _read_answer(self):
        body = self._connection.reader.next_frame()
        if body is None:
            raise EOFError('connection closed before the answer')
        answer = framed_calls.parse_answer(body)
        self._channel.pool.release(self._connection)
        self._connection = None
        return answer

    def _abandon(self):
        if self._connection is not None:
            self._connection.close()
            self._connection = None
