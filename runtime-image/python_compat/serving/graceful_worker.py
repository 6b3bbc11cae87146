"""The runtime's gunicorn worker: gevent's, with a drain that cuts nothing it could have finished, and new
connections spread over the workers.

From SIGTERM on, gunicorn 19's gevent worker stops accepting connections but keeps serving new requests on
open keep-alive connections, answers them `Connection: keep-alive`, and at its graceful timeout kills whatever
still runs without a word. This worker, from SIGTERM on:
- answers every response `Connection: close` (also responses of requests already running) and closes the
  connection after it;
- closes keep-alive connections that wait for their next request (unless its first bytes have arrived: that
  request is served, and closed); a connection that has not sent its first request yet is left to send it (it
  was accepted to be served) or to time out;
- lets requests in flight finish; one still running shortly before gunicorn's graceful timeout is logged
  (method, path, how long it ran) and counted, and the master exits with DRAIN_INCOMPLETE_EXIT_STATUS.

gevent's server accepts up to 100 connections each time the listening socket wakes it. Every worker wakes for a
new connection, and the first to run took most of a burst (a load balancer opening its pool, a client's 20
connections), all of it in a quarter of bursts, and served it alone, on one CPU, while the other workers idled,
for as long as those keep-alive connections lasted: two thirds of the throughput of a 2-CPU container in one
benchmark round of five. This worker accepts one connection per wake-up, and when there are other workers, only
after a pause of ACCEPT_PAUSE_PER_CONNECTION_SECONDS per connection it holds: the worker holding the fewest gets
it (one accept per wake-up alone still left one burst in twenty to one worker).
"""

import logging
import socket
import time

import gevent
from gevent import server as gevent_server
from gunicorn.workers import ggevent

WRITTEN_FOR = ('gunicorn', '19.10.0')
RELIES_ON = {
    # Wrapped: the keep-alive loop (idle between requests inside timeout_ctx) and one request's handling.
    'gunicorn.workers.base_async.AsyncWorker.handle':
        '8532d07d2247ce26aa164083a022f27660d26494f0dbbc81a832192c6ac9ed74',
    'gunicorn.workers.ggevent.GeventWorker.timeout_ctx':
        '8239bec284f0e6d677cb199019e137bcc5e44a24e835087aa0f361f6fe62d1cb',
    'gunicorn.workers.ggevent.GeventWorker.handle_request':
        '108189452af26f85d52de7cde576d2daa28dc10d7ba508bfda2daa7b518ca0e5',
    'gunicorn.workers.base_async.AsyncWorker.handle_request':
        '668ef44867e39f61d77d7e06b5db81813c8da4b4ed9a095138d770ffba5b6827',
    # Relied on: the drain loop of run() (graceful_timeout, then killing the handlers), the SIGTERM handler, and a
    # request's `Connection` header deciding Response.should_close().
    'gunicorn.workers.ggevent.GeventWorker.run': '4731c2f93d8e0b13291e5cc3a1a0b0266976b1864fb14f0561e966c11a218b79',
    'gunicorn.workers.base.Worker.handle_exit': 'e2f7159c426d379ce85b1154716ba906ff8b6e18f6b315c0571b07c42d0cb71b',
    'gunicorn.http.message.Message.should_close': '71aa1f4f30bc8d3adc83c5f754ecc4971b43d0b976ac91789692788a6aa4376a',
    # run() makes its servers from the module's StreamServer; gevent's accept loop takes max_accept per wake-up,
    # and accepting is paused and resumed with the watcher and timer these keep.
    'gevent.baseserver.BaseServer._do_read': '6a5f2ba39cbd19d85c09b1c167b1a7b0b41e3d4a15e60f7469308c7792e85596',
    'gevent.baseserver.BaseServer.stop_accepting': '5803fa8d25fd176d72745ec32d81126f6815c8d39bba733037f18911151f3b69',
    'gevent.baseserver.BaseServer.start_accepting': '02e25590ec0f7106db166ae89aae79b78b56c989085877d23cfa3b8ffbd3c0e9',
    'gevent.baseserver.BaseServer._start_accepting_if_started':
        'a526c006e85d51166f75d485d071ea61088a894b7426703212981d7efd4b398e',
}

# The master's exit status when a request was still running at the end of the drain.
DRAIN_INCOMPLETE_EXIT_STATUS = 75
# How long before gunicorn's graceful timeout the requests still running are cut: the master kills workers at
# the timeout, and the worker only looks once a second.
CUT_MARGIN_SECONDS = 2.0
WATCH_INTERVAL_SECONDS = 0.25
# A worker waits this long per connection it holds before it accepts a new one, at most MAX_ACCEPT_PAUSE_SECONDS,
# so that a worker holding fewer takes it: longer than another worker takes to wake up (tens of microseconds).
ACCEPT_PAUSE_PER_CONNECTION_SECONDS = 0.00005
MAX_ACCEPT_PAUSE_SECONDS = 0.002

_log = logging.getLogger(__name__)


class DrainCounter(object):
    """How many requests the workers had to cut at shutdown; shared memory the master allocates before forking."""

    def __init__(self):
        import multiprocessing
        self._value = multiprocessing.RawValue('i', 0)

    def add(self, count):
        self._value.value += count

    @property
    def count(self):
        return self._value.value


class _Idle(object):
    """The context of a connection waiting for its next request: while inside, it may be closed at shutdown."""

    def __init__(self, worker, timeout):
        self.worker = worker
        self.timeout = timeout

    def __enter__(self):
        self.worker.idle.add(gevent.getcurrent())
        return self.timeout.__enter__()

    def __exit__(self, *exc_info):
        self.worker.idle.discard(gevent.getcurrent())
        return self.timeout.__exit__(*exc_info)


class _InFlight(object):
    __slots__ = ('request', 'started')

    def __init__(self, request):
        self.request = request
        self.started = time.time()


class OneAcceptPerWakeup(gevent_server.StreamServer):
    """gevent's StreamServer taking one new connection each time the listening socket wakes it, after a pause that
    grows with the connections it already holds (see above)."""

    max_accept = 1
    # Seconds of pause per connection held, and at most; set by the worker (none when it is the only one).
    pause_per_connection = 0.0
    max_pause = 0.0
    _paused = False

    def _do_read(self):
        held = len(self.pool) if self.pool is not None else 0
        pause = min(held * self.pause_per_connection, self.max_pause)
        if pause and not self._paused:
            # Every worker was woken: one holding fewer connections takes this one meanwhile, if any is free.
            self._paused = True
            self.stop_accepting()
            self._timer = self.loop.timer(pause)
            self._timer.start(self._start_accepting_if_started)
            return
        self._paused = False
        gevent_server.StreamServer._do_read(self)


def spread_new_connections(workers):
    """Makes gunicorn's gevent worker in this process accept as OneAcceptPerWakeup does, pausing when there are
    other `workers`. In a worker process only: the master never serves."""
    ggevent.StreamServer = OneAcceptPerWakeup
    if workers > 1:
        OneAcceptPerWakeup.pause_per_connection = ACCEPT_PAUSE_PER_CONNECTION_SECONDS
        OneAcceptPerWakeup.max_pause = MAX_ACCEPT_PAUSE_SECONDS


class GracefulGeventWorker(ggevent.GeventWorker):
    """gunicorn's gevent worker with the drain described above. `drain_counter` is set on the class by the
    serving layer before the workers are forked."""

    drain_counter = None

    def __init__(self, *args, **kwargs):
        super(GracefulGeventWorker, self).__init__(*args, **kwargs)
        self.connections = {}
        self.idle = set()
        self.served = set()
        self.in_flight = {}
        self.stopping_since = None

    def handle_exit(self, sig, frame):
        if self.stopping_since is None:
            self.stopping_since = time.time()
        super(GracefulGeventWorker, self).handle_exit(sig, frame)

    def run(self):
        gevent.spawn(self._drain_when_stopping)
        spread_new_connections(self.cfg.workers)
        super(GracefulGeventWorker, self).run()

    def handle(self, listener, client, addr):
        current = gevent.getcurrent()
        self.connections[current] = client
        try:
            super(GracefulGeventWorker, self).handle(listener, client, addr)
        finally:
            self.connections.pop(current, None)
            self.idle.discard(current)
            self.served.discard(current)

    def timeout_ctx(self):
        return _Idle(self, super(GracefulGeventWorker, self).timeout_ctx())

    def handle_request(self, listener_name, req, sock, addr):
        current = gevent.getcurrent()
        if not self.alive:
            _close_after(req)
        self.in_flight[current] = _InFlight(req)
        try:
            keep_going = super(GracefulGeventWorker, self).handle_request(listener_name, req, sock, addr)
        finally:
            self.in_flight.pop(current, None)
            self.served.add(current)
        if not self.alive:
            raise StopIteration()
        return keep_going

    def _drain_when_stopping(self):
        while self.alive:
            gevent.sleep(WATCH_INTERVAL_SECONDS)
        started = self.stopping_since or time.time()
        for running in list(self.in_flight.values()):
            _close_after(running.request)
        cut_at = started + self.cfg.graceful_timeout - CUT_MARGIN_SECONDS
        while time.time() < cut_at and (self.in_flight or self.connections):
            self._close_idle_connections()
            gevent.sleep(WATCH_INTERVAL_SECONDS)
        if self.in_flight:
            self._cut_running_requests()

    def _close_idle_connections(self):
        for current in list(self.idle & self.served):
            client = self.connections.get(current)
            if client is not None and not _has_pending_bytes(client):
                try:
                    client.shutdown(socket.SHUT_RDWR)
                except socket.error:
                    pass

    def _cut_running_requests(self):
        now = time.time()
        for running in list(self.in_flight.values()):
            _log.error('shutdown: %s %s still running after %.1f s at the end of the graceful timeout (%d s); '
                       'cutting it', running.request.method, running.request.uri, now - running.started,
                       self.cfg.graceful_timeout)
        if self.drain_counter is not None:
            self.drain_counter.add(len(self.in_flight))
        for current in list(self.in_flight):
            current.kill(block=False)


def _close_after(request):
    """Makes the response to `request` say `Connection: close` and end its connection (gunicorn decides from the
    request's first Connection header)."""
    request.headers.insert(0, ('CONNECTION', 'close'))


def _has_pending_bytes(client):
    # On gevent's own socket object: gevent's recv would wait for bytes instead of answering EAGAIN.
    raw = getattr(client, '_sock', client)
    try:
        return bool(raw.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT))
    except socket.error:
        return False
