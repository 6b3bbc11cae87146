"""The gunicorn patches put exactly gunicorn's bytes on the wire, in fewer send() calls and with less work."""

import mock
import pytest
from gunicorn.config import Config
from gunicorn.http import message
from gunicorn.http import wsgi
from gunicorn.workers import base

from python_compat.serving import patches
from python_compat.serving.patches import gunicorn_base_environ
from python_compat.serving.patches import gunicorn_date_cache
from python_compat.serving.patches import gunicorn_single_send

GunicornResponse = wsgi.Response
# What gunicorn serves with once every patch is installed.
PatchedResponse = gunicorn_single_send.patched(gunicorn_date_cache.patched(GunicornResponse))


@pytest.fixture(autouse=True)
def no_cached_date(monkeypatch):
    monkeypatch.setattr(gunicorn_date_cache, '_date_cache', [None, None])


class RecordingSocket(object):
    def __init__(self):
        self.sends = []

    def sendall(self, data):
        self.sends.append(data)


class Request(object):
    def __init__(self, method='GET', version=(1, 1)):
        self.method = method
        self.version = version
        self.headers = []

    def should_close(self):
        return False


def keep_gunicorns_own(monkeypatch):
    """Restores, after the test, everything install_all() replaces."""
    monkeypatch.setattr(wsgi, 'Response', wsgi.Response)
    monkeypatch.setattr(wsgi, 'base_environ', wsgi.base_environ)
    monkeypatch.setattr(message.Request, 'parse_request_line', message.Request.__dict__['parse_request_line'])
    monkeypatch.setattr(base.Worker, 'handle_error', base.Worker.__dict__['handle_error'])


def respond(response_class, headers, chunks, method='GET'):
    sock = RecordingSocket()
    response = response_class(Request(method), sock, Config())
    response.start_response('200 OK', headers)
    for chunk in chunks:
        response.write(chunk)
    response.close()
    return sock.sends


@pytest.mark.parametrize('headers, chunks', [
    ([('Content-Length', '11')], ['hello world']),
    ([('Content-Length', '11')], ['hello', ' world']),
    ([('Content-Length', '5')], ['hello world']),
    ([], ['streamed ', 'in chunks']),
    ([('Content-Length', '0')], ['']),
    ([('Content-Length', '3')], ['', 'abc']),
])
def test_the_bytes_on_the_wire_are_gunicorns(headers, chunks):
    with mock.patch('gunicorn.util.http_date', return_value='Tue, 24 Nov 2026 00:00:00 GMT'):
        ours = respond(PatchedResponse, headers, chunks)
        theirs = respond(GunicornResponse, headers, chunks)
    assert ''.join(ours) == ''.join(theirs)


def test_head_and_first_chunk_of_a_sized_response_go_in_one_send():
    sends = respond(PatchedResponse, [('Content-Length', '11')], ['hello world'])
    assert len(sends) == 1
    assert sends[0].startswith('HTTP/1.1 200 OK\r\n') and sends[0].endswith('\r\n\r\nhello world')


def test_once_installed_gunicorn_builds_patched_responses_that_still_stream_chunked_bodies(monkeypatch):
    keep_gunicorns_own(monkeypatch)
    patches.install_all()

    sends = respond(wsgi.Response, [], ['streamed ', 'in chunks'])

    assert issubclass(wsgi.Response, (gunicorn_single_send.SingleSendResponse))
    assert issubclass(wsgi.Response, (gunicorn_date_cache.DateCacheResponse))
    assert isinstance(wsgi.base_environ, gunicorn_base_environ.BaseEnviron)
    assert ''.join(sends).endswith('9\r\nstreamed \r\n9\r\nin chunks\r\n0\r\n\r\n')


def test_the_date_header_is_formatted_once_per_second():
    with mock.patch('gunicorn.util.http_date', side_effect=['first', 'second']) as http_date:
        with mock.patch.object(gunicorn_date_cache.time, 'time', side_effect=[100.2, 100.9, 101.0]):
            dates = [gunicorn_date_cache.http_date() for _ in range(3)]

    assert dates == ['first', 'first', 'second']
    assert http_date.call_args_list == [mock.call(100), mock.call(101)]


def test_base_environ_is_gunicorns_built_once_per_configuration_and_copied():
    base_environ = gunicorn_base_environ.BaseEnviron()
    cfg = Config()

    first, second = base_environ(cfg), base_environ(cfg)
    first['wsgi.url_scheme'] = 'changed by one request'

    assert sorted(first) != sorted(second)
    assert second == dict(gunicorn_base_environ.gunicorn_base_environ(cfg), **{'wsgi.errors': second['wsgi.errors']})
    assert second['wsgi.errors'] is base_environ(cfg)['wsgi.errors']
    assert base_environ(Config())['wsgi.errors'] is not second['wsgi.errors']
