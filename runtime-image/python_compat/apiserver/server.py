"""Runs the API server: the SDK's stubs behind a gevent HTTP server, until SIGTERM or SIGINT.

Requires gevent's monkey-patching (see `python_compat.apiserver.main`): each connection is a greenlet, so
calls that wait on the network (urlfetch, SMTP) or on a busy service's lock let every other call proceed.
The stubs run pure-Python or SQLite code between those waits, so a call to a stub that is not thread-safe
runs to completion without interleaving with another call to it; the per-service locks keep it that way.
"""

import cStringIO
import logging
import signal
import socket

import gevent
import gevent.event
from gevent import pywsgi

from python_compat.apiclient import protocol
from python_compat.apiserver import dispatcher as dispatcher_module
from python_compat.apiserver import stubs
from python_compat.apiserver import wsgi

_log = logging.getLogger(__name__)
# Seconds in-flight calls get to finish once a stop is requested.
STOP_TIMEOUT = 10


# Replies up to this size leave with their headers in one send(); larger ones are not copied to join them.
SINGLE_SEND_MAX_BYTES = 256 * 1024
# The request line of every API call, served by _CallHandler's own short path.
CALL_REQUEST_LINE = 'POST %s HTTP/1.1\r\n' % protocol.PATH
MAX_HEADER_LINES = 100
_BAD_REQUEST_REPLY = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'
_SERVER_ERROR_REPLY = 'HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'


class _CallHandler(pywsgi.WSGIHandler):
    """pywsgi's handler, leaner on the path every API call takes.

    - `POST /rpc_http HTTP/1.1` requests skip pywsgi's general request parsing (mimetools headers, the full
      CGI environ, chunked streaming of the reply): headers are split once, the body is read whole and the
      app's reply leaves in one send(). The app is the same WSGI app; every other request is pywsgi's.
    - Headers and body of other replies also leave in one send(): pywsgi sends them separately, which costs
      a system call and wakes the client twice.
    - No access log line is formatted (the server has none: one line per API call would drown the app's logs).
    """

    _pending_requestline = None

    def handle_one_request(self):
        if self.rfile.closed:
            return None
        try:
            line = self.rfile.readline(pywsgi.MAX_REQUEST_LINE)
        except socket.error:
            return None
        if line == CALL_REQUEST_LINE:
            return self._handle_call()
        self._pending_requestline = line
        return pywsgi.WSGIHandler.handle_one_request(self)

    def read_requestline(self):
        line, self._pending_requestline = self._pending_requestline, None
        return line if line is not None else pywsgi.WSGIHandler.read_requestline(self)

    def _handle_call(self):
        """Serves one API call; True to read the next request on this connection, None or a (status, raw
        reply) to close it, as pywsgi's handle_one_request."""
        environ = self.server.get_environ()
        for _ in range(MAX_HEADER_LINES):
            line = self.rfile.readline(pywsgi.MAX_REQUEST_LINE)
            if not line:
                return None
            if line == '\r\n' or line == '\n':
                break
            name, colon, value = line.partition(':')
            if not colon:
                return '400', _BAD_REQUEST_REPLY
            key = 'HTTP_' + name.strip().upper().replace('-', '_')
            value = value.strip()
            environ[key] = environ[key] + ',' + value if key in environ else value
        else:
            return '400', _BAD_REQUEST_REPLY
        try:
            body = self._read_call_body(environ)
        except ValueError:
            return '400', _BAD_REQUEST_REPLY
        environ.update({
            'REQUEST_METHOD': 'POST', 'SCRIPT_NAME': '', 'PATH_INFO': protocol.PATH, 'QUERY_STRING': '',
            'SERVER_PROTOCOL': 'HTTP/1.1', 'CONTENT_LENGTH': str(len(body)),
            'wsgi.input': cStringIO.StringIO(body)})
        if 'HTTP_CONTENT_TYPE' in environ:
            environ['CONTENT_TYPE'] = environ.pop('HTTP_CONTENT_TYPE')
        if isinstance(self.client_address, tuple):
            environ['REMOTE_ADDR'], environ['REMOTE_PORT'] = str(self.client_address[0]), str(self.client_address[1])
        close = 'close' in environ.get('HTTP_CONNECTION', '').lower()
        try:
            reply = self._call_application(environ, close)
        except Exception:  # pylint: disable=broad-except
            _log.exception('%s failed', protocol.PATH)
            return '500', _SERVER_ERROR_REPLY
        self.socket.sendall(reply)
        return None if close else True

    def _read_call_body(self, environ):
        length_text = environ.pop('HTTP_CONTENT_LENGTH', None)
        chunked = 'chunked' in environ.pop('HTTP_TRANSFER_ENCODING', '').lower()
        length = None if chunked or length_text is None else int(length_text)
        if length is not None and length < 0:
            raise ValueError('negative Content-Length')
        if not chunked and 'HTTP_EXPECT' not in environ:
            return self.rfile.read(length) if length else ''
        # Rare among API clients: pywsgi's reader answers `Expect: 100-continue` and decodes chunks.
        expects_continue = environ.get('HTTP_EXPECT', '').lower() == '100-continue'
        return pywsgi.Input(self.rfile, length, socket=self.socket if expects_continue else None,
                            chunked_input=chunked).read()

    def _call_application(self, environ, close):
        """The raw HTTP reply of the app to `environ`."""
        started, written = [], []

        def start_response(status, headers, exc_info=None):
            if exc_info and started:
                raise exc_info[0], exc_info[1], exc_info[2]
            started[:] = [status, headers]
            return written.append

        result = self.server.application(environ, start_response)
        try:
            written.extend(result)
        finally:
            if hasattr(result, 'close'):
                result.close()
        body = ''.join(written)
        status, headers = started
        lines = ['HTTP/1.1 ' + status]
        lines.extend('%s: %s' % header for header in headers
                     if header[0].lower() not in ('content-length', 'connection'))
        lines.append('Content-Length: %d' % len(body))
        if close:
            lines.append('Connection: close')
        return '\r\n'.join(lines) + '\r\n\r\n' + body

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
