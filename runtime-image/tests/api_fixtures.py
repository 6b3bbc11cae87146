"""Fixtures for the API tests: a real API server process on 127.0.0.1 and the client installed against it.

The root conftest registers these fixtures for every test module (pytest_plugins).
"""

import BaseHTTPServer
import contextlib
import os
import SocketServer
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib2

import pytest

from google.appengine.api import apiproxy_stub_map

from python_compat import apiclient
from python_compat.apiserver.stub_factories import DATASTORE_FILE

APP_ID = 'apitest'
# What the serving layer sets as APPLICATION_ID; the server adds the same partition to a bare app id.
APPLICATION_ID = 'dev~' + APP_ID
START_TIMEOUT_SECONDS = 30
SLOW_RESPONSE_SECONDS = 1.5


def free_port():
    """A TCP port nothing listens on right now."""
    with contextlib.closing(socket.socket()) as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


class ApiServerProcess(object):
    """`python -m python_compat.apiserver` as a child process, with its log in a file."""

    def __init__(self, storage_path, log_path, app_id=APP_ID, environment=None, host='127.0.0.1', app_root=None,
                 unix_socket=None, memcache_store=None):
        self.storage_path = str(storage_path)
        self.log_path = str(log_path)
        self.app_id = app_id
        # Variables the server process gets on top of this one's (API_SERVER_SECRET, APPENGINE_SMTP_*...).
        self.environment = dict(os.environ, **(environment or {}))
        self.host = host
        self.app_root = app_root
        # Where it serves framed calls as well (wire/framed_calls.py), when given.
        self.unix_socket = unix_socket
        # The container's shared memcache file, which the app's processes open too, when given.
        self.memcache_store = memcache_store
        self.port = None
        self._process = None

    def start(self):
        """Starts the server on a free port, or on the port it had when restarted."""
        self.port = self.port or free_port()
        with open(self.log_path, 'ab') as log:
            options = ['--app-root', str(self.app_root)] if self.app_root else []
            options += ['--unix-socket', str(self.unix_socket)] if self.unix_socket else []
            options += ['--memcache-store', str(self.memcache_store)] if self.memcache_store else []
            self._process = subprocess.Popen(
                [sys.executable, '-m', 'python_compat.apiserver', '--app-id', self.app_id, '--host', self.host,
                 '--port', str(self.port), '--storage-path', self.storage_path] + options,
                stdout=log, stderr=subprocess.STDOUT, env=self.environment)
        self._wait_until_healthy()
        return self

    def _wait_until_healthy(self):
        give_up = time.time() + START_TIMEOUT_SECONDS
        while True:
            if self._process.poll() is not None:
                raise AssertionError('API server exited with %s:\n%s' % (self._process.returncode, self.log()))
            try:
                urllib2.urlopen('http://127.0.0.1:%d/' % self.port, timeout=1).read()
                return
            except (urllib2.URLError, socket.error):
                if time.time() > give_up:
                    raise AssertionError('API server not healthy after %ds:\n%s' % (START_TIMEOUT_SECONDS,
                                                                                     self.log()))
                time.sleep(0.05)

    def stop(self):
        """SIGTERM, then wait: the server's clean shutdown path."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            self._process.wait()
        self._process = None

    def kill(self):
        """SIGKILL, as an out-of-memory killer or a crash would end it: no shutdown path runs."""
        self._process.send_signal(signal.SIGKILL)
        self._process.wait()
        self._process = None

    def restart(self):
        """Stops and starts again on the same port and storage path."""
        self.stop()
        return self.start()

    def log(self):
        with open(self.log_path) as log:
            return log.read()


@pytest.fixture(scope='module')
def api_server(tmp_path_factory):
    """One API server per test module, with its own storage directory."""
    directory = tmp_path_factory.mktemp('apiserver')
    server = ApiServerProcess(directory / 'storage', directory / 'apiserver.log',
                              unix_socket=directory / 'api.sock', memcache_store=directory / 'memcache.sqlite3').start()
    yield server
    server.stop()


@pytest.fixture
def api(api_server, monkeypatch):
    """The client installed as `apiproxy_stub_map.apiproxy`, pointed at api_server over HTTP (`POST /rpc_http`);
    the app's environment."""
    for stub in _installed_client(api_server, monkeypatch, unix_socket=None):
        yield stub


@pytest.fixture
def framed_api(api_server, monkeypatch):
    """The client installed with framed calls on api_server's Unix socket, every service there."""
    for stub in _installed_client(api_server, monkeypatch, unix_socket=str(api_server.unix_socket)):
        yield stub


@pytest.fixture
def container_api(api_server, monkeypatch):
    """The client installed as the runtime installs it in a container: memcache served in this process from the
    API server's shared memcache file, datastore calls made in this process on its SQLite file, every other call
    framed on its Unix socket."""
    for stub in _installed_client(api_server, monkeypatch, unix_socket=str(api_server.unix_socket),
                                  memcache_store=str(api_server.memcache_store),
                                  datastore_file=os.path.join(api_server.storage_path, DATASTORE_FILE)):
        yield stub


def _installed_client(api_server, monkeypatch, unix_socket, memcache_store=None, datastore_file=None):
    monkeypatch.setenv('APPLICATION_ID', APPLICATION_ID)
    monkeypatch.setenv('AUTH_DOMAIN', 'gmail.com')
    monkeypatch.setenv('SERVER_SOFTWARE', 'Development/python-compat')
    monkeypatch.setenv('CURRENT_VERSION_ID', 'v1.1')
    monkeypatch.setenv('DEFAULT_VERSION_HOSTNAME', 'localhost:8080')
    previous = apiproxy_stub_map.apiproxy
    stub = apiclient.install('127.0.0.1', api_server.port, unix_socket=unix_socket, memcache_store=memcache_store,
                             memcache_max_bytes=1 << 20, datastore_file=datastore_file, app_id=APPLICATION_ID)
    _reset_ndb_context()
    yield stub
    stub.channel.close()
    if memcache_store:
        from python_compat.apiserver import lazy_stub
        memcache_stub = lazy_stub.created_stub(apiproxy_stub_map.apiproxy, 'memcache')
        if memcache_stub is not None:
            memcache_stub.store.close()
    apiproxy_stub_map.apiproxy = previous
    _reset_ndb_context()


def _reset_ndb_context():
    # ndb keeps a per-thread context (with its cache and RPC batchers) across tests otherwise.
    from google.appengine.ext.ndb import tasklets
    tasklets.set_context(None)


class _SlowHandler(BaseHTTPServer.BaseHTTPRequestHandler):
    def do_GET(self):  # pylint: disable=invalid-name
        time.sleep(SLOW_RESPONSE_SECONDS)
        self.send_response(200)
        self.send_header('Content-Length', '4')
        self.end_headers()
        self.wfile.write('slow')

    def log_message(self, *args):
        pass


class _ThreadingHTTPServer(SocketServer.ThreadingMixIn, BaseHTTPServer.HTTPServer):
    daemon_threads = True


@contextlib.contextmanager
def slow_http_server():
    """A threaded HTTP server whose every GET answers `slow` after SLOW_RESPONSE_SECONDS; yields its URL."""
    server = _ThreadingHTTPServer(('127.0.0.1', 0), _SlowHandler)
    thread = threading.Thread(target=server.serve_forever)
    thread.daemon = True
    thread.start()
    try:
        yield 'http://127.0.0.1:%d/' % server.server_port
    finally:
        server.shutdown()
        server.server_close()
