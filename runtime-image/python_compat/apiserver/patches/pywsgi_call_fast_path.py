"""gevent patch: API calls (`POST /rpc_http HTTP/1.1`) take a short path past pywsgi's general request parsing.

pywsgi parses every request's headers with mimetools, builds the full CGI environ and streams the reply,
chunked when it can. An API call's headers are split once here, its body is read whole and the app's reply leaves
in one send(). The app is the same WSGI app; every other request is pywsgi's own. An app with a `screen(environ)`
method (the signature check) may refuse the call on its headers alone, before the body is read.
"""

import cStringIO
import logging
import socket

from gevent import pywsgi

from python_compat.wire import rpc_protocol

WRITTEN_FOR = ('gevent', '22.10.2')
RELIES_ON = {
    # Replaced: the call path reads the request line itself and hands any other line back to pywsgi.
    'gevent.pywsgi.WSGIHandler.handle_one_request': 'fd6b4c2ec05152a7701291ce0e7d25fb03f071c341c3df09618be8ea999e9c2c',
    'gevent.pywsgi.WSGIHandler.read_requestline': '069b90df0ccbab255e5f979c2b3bcedd083442f06f0ae1f3ac365e155c0c79ae',
    # Relied on: the return values of handle_one_request that keep or close the connection.
    'gevent.pywsgi.WSGIHandler.handle': '9e7238affc12535458d09a9d06a47fd1edd80899a68d17ef1849939d29edc22f',
}

_log = logging.getLogger(__name__)
# The request line of every API call, served by the short path.
CALL_REQUEST_LINE = 'POST %s HTTP/1.1\r\n' % rpc_protocol.PATH
MAX_HEADER_LINES = 100
_BAD_REQUEST_REPLY = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'
_SERVER_ERROR_REPLY = 'HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'


class CallFastPath(object):
    """Mixed into pywsgi's WSGIHandler."""

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
        return super(CallFastPath, self).handle_one_request()

    def read_requestline(self):
        line, self._pending_requestline = self._pending_requestline, None
        return line if line is not None else super(CallFastPath, self).read_requestline()

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
        environ.update({'REQUEST_METHOD': 'POST', 'SCRIPT_NAME': '', 'PATH_INFO': rpc_protocol.PATH,
                        'QUERY_STRING': '', 'SERVER_PROTOCOL': 'HTTP/1.1'})
        if isinstance(self.client_address, tuple):
            environ['REMOTE_ADDR'], environ['REMOTE_PORT'] = str(self.client_address[0]), str(self.client_address[1])
        refusal = self._screen(environ)
        if refusal is not None:
            # Refused on its headers (apiserver/caller_auth.py): the body is never read, the connection closed.
            self.socket.sendall(refusal)
            return None
        try:
            body = self._read_call_body(environ)
        except ValueError:
            return '400', _BAD_REQUEST_REPLY
        environ.update({'CONTENT_LENGTH': str(len(body)), 'wsgi.input': cStringIO.StringIO(body)})
        if 'HTTP_CONTENT_TYPE' in environ:
            environ['CONTENT_TYPE'] = environ.pop('HTTP_CONTENT_TYPE')
        close = 'close' in environ.get('HTTP_CONNECTION', '').lower()
        try:
            reply = self._call_application(environ, close)
        except Exception:  # pylint: disable=broad-except
            _log.exception('%s failed', rpc_protocol.PATH)
            return '500', _SERVER_ERROR_REPLY
        self.socket.sendall(reply)
        return None if close else True

    def _screen(self, environ):
        """The raw reply refusing the call before its body is read, from the app's `screen(environ)` when it has
        one; None to go on."""
        screen = getattr(self.server.application, 'screen', None)
        return screen(environ) if screen is not None else None

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
