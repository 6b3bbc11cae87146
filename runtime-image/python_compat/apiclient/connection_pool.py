"""Idle connections to the API server, kept for the next call: the pool both transports share (transport.py over
HTTP, framed_transport.py over the container's Unix socket).

A connection belongs to one call from send to the end of its answer, then returns here; the pool serves every
thread and greenlet of a process. After a fork (gunicorn workers) the parent's connections are dropped, never
shared. While nothing listens (the API server is not started yet, is starting next to the app, or is being
restarted), connecting is tried again until the call's time runs out, so the call succeeds once the server is
there instead of failing at once.
"""

import collections
import os
import socket
import time

MAX_IDLE_CONNECTIONS = 64
CONNECT_RETRY_SECONDS = 0.05


class ConnectionPool(object):
    """Connections made by `connect(timeout)` (which raises socket.error); an error whose errno is in
    `not_listening_errnos` means nothing listens yet. `when_not_listening` is called the first time that happens
    (the gunicorn master asks the supervisor to start the API server: supervisor/handoff.py)."""

    def __init__(self, connect, not_listening_errnos, max_idle=MAX_IDLE_CONNECTIONS, when_not_listening=None):
        self._connect = connect
        self._not_listening_errnos = not_listening_errnos
        self._max_idle = max_idle
        self._when_not_listening = when_not_listening
        self._idle = collections.deque()
        self._pid = os.getpid()

    def acquire(self, timeout):
        """(connection, reused): an idle connection if there is one, else a new one; socket.error if the server
        cannot be reached within `timeout` seconds."""
        if self._pid != os.getpid():
            self._idle = collections.deque()
            self._pid = os.getpid()
        try:
            connection = self._idle.pop()
        except IndexError:
            return self.connect(timeout), False
        connection.sock.settimeout(timeout)
        return connection, True

    def connect(self, timeout):
        """A new connection; socket.error if the server cannot be reached within `timeout` seconds."""
        give_up = time.time() + timeout
        while True:
            try:
                return self._connect(timeout)
            except socket.error as error:
                if error.errno not in self._not_listening_errnos or time.time() + CONNECT_RETRY_SECONDS >= give_up:
                    raise
            if self._when_not_listening is not None:
                when_not_listening, self._when_not_listening = self._when_not_listening, None
                when_not_listening()
            time.sleep(CONNECT_RETRY_SECONDS)

    def release(self, connection):
        """Returns a connection whose answer has been read completely."""
        if len(self._idle) < self._max_idle and self._pid == os.getpid():
            self._idle.append(connection)
        else:
            connection.close()

    def close(self):
        """Closes every idle connection."""
        while self._idle:
            self._idle.pop().close()
