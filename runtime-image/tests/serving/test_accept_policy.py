"""The workers' accept policy: one new connection per wake-up, after a pause that grows with the connections the
worker already holds, so the worker holding the fewest takes it."""

import socket

import gevent
from gevent.pool import Pool
from gevent import monkey

from python_compat.serving import graceful_worker

# Long enough that a check before it ends is not a race on a loaded machine.
PAUSE_SECONDS = 0.3


class PausingServer(graceful_worker.OneAcceptPerWakeup):
    pause_per_connection = PAUSE_SECONDS
    max_pause = PAUSE_SECONDS


def serving(server_class):
    """A started server whose connections stay open (held) until the test ends, and its pool."""
    pool = Pool(10)
    server = server_class(('127.0.0.1', 0), handle=lambda client, address: gevent.sleep(30), spawn=pool)
    server.start()
    return server, pool


def connect(server):
    client = monkey.get_original('socket', 'socket')(socket.AF_INET, socket.SOCK_STREAM)
    client.connect(server.address)
    return client


def test_a_worker_holding_no_connection_accepts_at_once_and_one_holding_some_after_a_pause():
    server, pool = serving(PausingServer)
    clients = []
    try:
        clients.append(connect(server))
        gevent.sleep(PAUSE_SECONDS / 3)
        assert len(pool) == 1

        clients.append(connect(server))
        gevent.sleep(PAUSE_SECONDS / 3)
        assert len(pool) == 1, 'accepted before the pause ended'
        gevent.sleep(PAUSE_SECONDS * 2)
        assert len(pool) == 2
    finally:
        server.close()
        pool.kill()
        for client in clients:
            client.close()


def test_the_only_worker_never_pauses():
    server, pool = serving(graceful_worker.OneAcceptPerWakeup)
    clients = []
    try:
        for _ in range(3):
            clients.append(connect(server))
        gevent.sleep(PAUSE_SECONDS / 3)
        assert len(pool) == 3
    finally:
        server.close()
        pool.kill()
        for client in clients:
            client.close()


def test_closing_a_paused_server_stops_its_timer():
    server, pool = serving(PausingServer)
    clients = [connect(server)]
    try:
        gevent.sleep(PAUSE_SECONDS / 3)
        clients.append(connect(server))
        gevent.sleep(PAUSE_SECONDS / 3)  # paused now
        server.close()
        gevent.sleep(PAUSE_SECONDS * 2)
        assert len(pool) == 1
    finally:
        pool.kill()
        for client in clients:
            client.close()
