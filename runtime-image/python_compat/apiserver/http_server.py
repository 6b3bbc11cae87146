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

from python_compat.apiserver import caller_auth
from python_compat import memory
from python_compat.apiserver import calls
from python_compat.apiserver import framed_server
from python_compat.apiserver import services
from python_compat.apiserver import http_app
from python_compat.apiserver import lazy_stub
from python_compat.apiserver import patches
from python_compat.apiserver.blobstore import upload_urls
from python_compat.apiserver.tasks import task_service

_log = logging.getLogger(__name__)
# Seconds in-flight calls get to finish once a stop is requested.
STOP_TIMEOUT = 10


class _NoDelayWSGIServer(pywsgi.WSGIServer):
    """Disables Nagle's algorithm: replies are small and one per request, so batching only adds latency."""

    def handle(self, sock, address):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return pywsgi.WSGIServer.handle(self, sock, address)


class ApiServer(object):
    """The stubs of one app, served over HTTP at config.host:config.port."""

    def __init__(self, config):
        self.config = config
        self._stub_map = None
        self._tasks = None
        self._http = None
        self._framed = None

    @property
    def port(self):
        """The port listened on (the one the OS chose when config.port is 0); valid after start()."""
        return self._http.server_port

    def start(self):
        """Registers the stubs, starts running push tasks and accepting calls in the background; returns once the
        socket listens."""
        self._stub_map = services.register_stubs(self.config)
        # Runs push tasks against config.task_target_url and keeps every task across restarts.
        self._tasks = task_service.TaskService(lazy_stub.real_stub(self._stub_map, 'taskqueue'), self.config)
        self._tasks.start()
        upload_urls.give_upload_urls_a_host()
        executor = calls.ApiCallExecutor(self._stub_map, services.service_methods())
        if self.config.unix_socket:
            self._framed = framed_server.FramedCallServer(self.config.unix_socket, executor)
            self._framed.start()
        app = http_app.ServiceBridgeApp(executor, self.config.upload_max_bytes, self.config.uploads_in_flight_max_bytes)
        if self.config.api_server_secret:
            app = caller_auth.RequireSignedCalls(app, caller_auth.CallerAuthentication(self.config.api_server_secret),
                                                 http_app.HEALTH_PATHS)
        # SERVER_NAME given, pywsgi does not look the host's name up in DNS (socket.getfqdn) as it starts.
        self._http = _NoDelayWSGIServer((self.config.host, self.config.port), app, log=None, error_log=_log,
                                        handler_class=patches.handler_class(self.config.runtime_patches),
                                        environ={'SERVER_NAME': self.config.host})
        self._http.start()
        memory.release_free_heap()
        _log.info('App Engine API server for %s listening on http://%s:%d/rpc_http, data in %s; %s',
                  self.config.app_id, self.config.host, self.port, self.config.storage_path,
                  'calls must be signed with API_SERVER_SECRET' if self.config.api_server_secret
                  else 'calls are not authenticated (loopback only)')

    def stop(self):
        """Stops accepting calls, lets in-flight calls finish, and saves what the stubs keep in memory."""
        self._http.stop(timeout=STOP_TIMEOUT)
        if self._framed is not None:
            self._framed.stop(timeout=STOP_TIMEOUT)
        self._tasks.stop()
        services.save_stubs(self._stub_map)
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
