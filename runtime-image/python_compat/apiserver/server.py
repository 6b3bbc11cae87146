"""Runs the API server: the SDK's stubs behind a gevent HTTP server, until SIGTERM or SIGINT.

Requires gevent's monkey-patching (see `python_compat.apiserver.main`): each connection is a greenlet, so
calls that wait on the network (urlfetch, SMTP) or on a busy service's lock let every other call proceed.
The stubs run pure-Python or SQLite code between those waits, so a call to a stub that is not thread-safe
runs to completion without interleaving with another call to it; the per-service locks keep it that way.
"""

import logging
import signal
import socket

import gevent
import gevent.event
from gevent import pywsgi

from python_compat.apiserver import dispatcher as dispatcher_module
from python_compat.apiserver import stubs
from python_compat.apiserver import wsgi

_log = logging.getLogger(__name__)
# Seconds in-flight calls get to finish once a stop is requested.
STOP_TIMEOUT = 10


# Replies up to this size leave with their headers in one send(); larger ones are not copied to join them.
SINGLE_SEND_MAX_BYTES = 256 * 1024


class _CallHandler(pywsgi.WSGIHandler):
    """pywsgi's handler, leaner on the path every API call takes.

    - Headers and body of a reply leave in one send(): pywsgi sends them separately, which costs a system
      call and wakes the client twice per call.
    - No access log line is formatted (the server has none: one line per API call would drown the app's logs).
    """

    def _write_with_headers(self, data):
        if self.response_use_chunked or len(data) > SINGLE_SEND_MAX_BYTES:
            return pywsgi.WSGIHandler._write_with_headers(self, data)
        self.headers_sent = True
        self.finalize_headers()
        reply = bytearray(b'HTTP/1.1 ')
        reply += self.status
        reply += b'\r\n'
        for header, value in self.response_headers:
            reply += header
            reply += b': '
            reply += value
            reply += b'\r\n'
        reply += b'\r\n'
        reply += data
        self._sendall(reply)
        return None

    def log_request(self):
        pass


class _NoDelayWSGIServer(pywsgi.WSGIServer):
    """Disables Nagle's algorithm: replies are small and one per request, so batching only adds latency."""

    handler_class = _CallHandler

    def handle(self, sock, address):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return pywsgi.WSGIServer.handle(self, sock, address)


class ApiServer(object):
    """The stubs of one app, served over HTTP at config.host:config.port."""

    def __init__(self, config):
        self.config = config
        self._stub_map = stubs.register_stubs(config)
        app = wsgi.ServiceBridgeApp(dispatcher_module.Dispatcher(self._stub_map, stubs.service_methods()))
        self._http = _NoDelayWSGIServer((config.host, config.port), app, log=None, error_log=_log)

    @property
    def port(self):
        """The port listened on (the one the OS chose when config.port is 0); valid after start()."""
        return self._http.server_port

    def start(self):
        """Starts accepting calls in the background; returns once the socket listens."""
        self._http.start()
        _log.info('App Engine API server for %s listening on http://%s:%d/rpc_http, data in %s',
                  self.config.app_id, self.config.host, self.port, self.config.storage_path)

    def stop(self):
        """Stops accepting calls, lets in-flight calls finish, and saves what the stubs keep in memory."""
        self._http.stop(timeout=STOP_TIMEOUT)
        stubs.save_stubs(self._stub_map)
        _log.info('App Engine API server stopped')


def serve_forever(config):
    """Runs an ApiServer for `config` until SIGTERM or SIGINT, then stops it cleanly."""
    server = ApiServer(config)
    server.start()
    stop_requested = gevent.event.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        gevent.signal_handler(signum, stop_requested.set)
    stop_requested.wait()
    server.stop()
