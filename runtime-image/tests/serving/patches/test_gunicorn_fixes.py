"""The fixes of what gunicorn 19 puts on the wire: 505 for HTTP versions other than 1.x, a status line that names
HTTP/1.1 for a higher 1.x, and `Connection: close` from the app honoured."""

import socket

import pytest
from gunicorn.config import Config
from gunicorn.http import message
from gunicorn.http import parser
from gunicorn.http import wsgi
from gunicorn.workers import base

from python_compat.serving.patches import gunicorn_connection_close
from python_compat.serving.patches import gunicorn_http_version


@pytest.fixture
def http_version_fix(monkeypatch):
    monkeypatch.setattr(message.Request, 'parse_request_line', message.Request.__dict__['parse_request_line'])
    monkeypatch.setattr(base.Worker, 'handle_error', base.Worker.__dict__['handle_error'])
    gunicorn_http_version.install()


def parse(request_line):
    return next(parser.RequestParser(Config(), iter([request_line + '\r\nHost: x\r\n\r\n'])))


@pytest.mark.parametrize('version', ['HTTP/9.9', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/3.1'])
def test_request_of_another_major_version_is_unsupported(http_version_fix, version):
    with pytest.raises(gunicorn_http_version.UnsupportedHTTPVersion):
        parse('GET / ' + version)


@pytest.mark.parametrize('version, served_as', [('HTTP/1.0', (1, 0)), ('HTTP/1.1', (1, 1)), ('HTTP/1.2', (1, 1)),
                                                ('HTTP/1.9', (1, 1))])
def test_1x_request_is_served_as_the_highest_version_both_speak(http_version_fix, version, served_as):
    assert parse('GET / ' + version).version == served_as


def test_unsupported_version_is_answered_505_on_a_11_status_line(http_version_fix):
    class Worker(base.Worker):
        def __init__(self):  # pylint: disable=super-init-not-called
            self.log = type('Log', (object,), {'debug': lambda *args: None})()

    server, client = socket.socketpair()
    try:
        Worker().handle_error(None, server, ('203.0.113.9', 1234),
                              gunicorn_http_version.UnsupportedHTTPVersion('HTTP/9.9'))
        answer = client.recv(4096)
    finally:
        server.close()
        client.close()

    assert answer.startswith('HTTP/1.1 505 HTTP Version Not Supported\r\n')
    assert 'Connection: close\r\n' in answer


class Request(object):
    method = 'GET'
    version = (1, 1)
    headers = []

    def should_close(self):
        return False


class RecordingSocket(object):
    def __init__(self):
        self.sent = []

    def sendall(self, data):
        self.sent.append(data)


def respond(headers):
    sock = RecordingSocket()
    response = gunicorn_connection_close.patched(wsgi.Response)(Request(), sock, Config())
    response.start_response('200 OK', headers + [('Content-Length', '2')])
    response.write('ok')
    return response, ''.join(sock.sent)


@pytest.mark.parametrize('value', ['close', 'Close', 'keep-alive, close'])
def test_apps_connection_close_closes_the_connection_after_the_response(value):
    response, sent = respond([('Connection', value)])

    assert response.should_close()
    assert sent.count('Connection: close\r\n') == 1
    assert 'keep-alive' not in sent


def test_without_connection_close_the_connection_stays_open():
    response, sent = respond([('Content-Type', 'text/plain')])

    assert not response.should_close()
    assert 'Connection: keep-alive\r\n' in sent
