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


class Serving(object):
    """A started server whose connections stay open (held) until the block ends, its pool, and clients that
    connect to it; everything is closed at the end of the block."""

    def __init__(self, server_class):
        self.pool = Pool(10)
        self.server = server_class(('127.0.0.1', 0), handle=lambda client, address: gevent.sleep(30),
                                   spawn=self.pool)
        self.clients = []

    def __enter__(self):
        self.server.start()
        return self

    def connect(self):
        client = monkey.get_original('socket', 'socket')(socket.AF_INET, socket.SOCK_STREAM)
        client.connect(self.server.address)
        self.clients.append(client)

    def __exit__(self, *exc_info):
        self.server.close()
        self.pool.kill()
        for client in self.clients:
            client.close()


def test_a_worker_holding_no_connection_accepts_at_once_and_one_holding_some_after_a_pause():
    with Serving(PausingServer) as serving:
        serving.connect()
        gevent.sleep(PAUSE_SECONDS / 3)
        assert len(serving.pool) == 1

        serving.connect()
        gevent.sleep(PAUSE_SECONDS / 3)
        assert len(serving.pool) == 1, 'accepted before the pause ended'
        gevent.sleep(PAUSE_SECONDS * 2)
        assert len(serving.pool) == 2


def test_the_only_worker_never_pauses():
    with Serving(graceful_worker.OneAcceptPerWakeup) as serving:
        for _ in range(3):
            serving.connect()
        gevent.sleep(PAUSE_SECONDS / 3)
        assert len(serving.pool) == 3


def test_closing_a_paused_server_stops_its_timer():
    with Serving(PausingServer) as serving:
        serving.connect()
        gevent.sleep(PAUSE_SECONDS / 3)
        serving.connect()
        gevent.sleep(PAUSE_SECONDS / 3)  # paused now
        serving.server.close()
        gevent.sleep(PAUSE_SECONDS * 2)
        assert len(serving.pool) == 1
