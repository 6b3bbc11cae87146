"""connection_pool: idle connections kept up to a bound, dropped after a fork, and connecting retried while
nothing listens."""

import errno
import os
import socket

import pytest

from python_compat.apiclient import connection_pool


class FakeSocket(object):
    def settimeout(self, timeout):
        self.timeout = timeout


class FakeConnection(object):
    def __init__(self):
        self.sock = FakeSocket()
        self.closed = False

    def close(self):
        self.closed = True


def test_idle_connections_are_reused_up_to_the_bound_and_the_rest_closed():
    pool = connection_pool.ConnectionPool(lambda timeout: FakeConnection(), (errno.ECONNREFUSED,), max_idle=1)
    first, second = pool.connect(1), pool.connect(1)

    pool.release(first)
    pool.release(second)

    assert pool.acquire(2) == (first, True) and first.sock.timeout == 2
    assert second.closed


def test_a_forked_process_does_not_reuse_its_parents_connections(monkeypatch):
    pool = connection_pool.ConnectionPool(lambda timeout: FakeConnection(), (errno.ECONNREFUSED,))
    parents = pool.connect(1)
    pool.release(parents)
    monkeypatch.setattr(os, 'getpid', lambda: -1)

    connection, reused = pool.acquire(1)

    assert connection is not parents and not reused


def test_connecting_is_retried_while_nothing_listens_and_the_hook_runs_once(monkeypatch):
    monkeypatch.setattr(connection_pool, 'CONNECT_RETRY_SECONDS', 0.001)
    refusals, asked = [3], []

    def connect(timeout):
        if refusals[0]:
            refusals[0] -= 1
            raise socket.error(errno.ENOENT, 'no socket yet')
        return FakeConnection()
    pool = connection_pool.ConnectionPool(connect, (errno.ENOENT,), when_not_listening=lambda: asked.append(1))

    assert isinstance(pool.connect(5), FakeConnection)
    assert asked == [1]


def test_other_errors_are_not_retried():
    def connect(timeout):
        raise socket.error(errno.EACCES, 'denied')
    pool = connection_pool.ConnectionPool(connect, (errno.ENOENT,))

    with pytest.raises(socket.error):
        pool.connect(5)
