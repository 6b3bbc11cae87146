"""Bytes no conforming client sends are answered 4xx before anything else runs; every encoding App Engine apps get
from browsers still reaches the app unchanged."""

import pytest

from conftest import call_wsgi, make_environ, pipeline_for
from python_compat.pipeline import malformed_requests


class RecordingApp(object):
    def __init__(self):
        self.seen = []

    def __call__(self, environ, start_response):
        self.seen.append(environ)
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return ['app']


def serve(environ):
    app = RecordingApp()
    return call_wsgi(pipeline_for(app), environ), app.seen


@pytest.mark.parametrize('environ, status', [
    (make_environ('/\xff\xfe'), 400),                                    # GET /%ff%fe, once gunicorn unquoted it
    (make_environ('/hello\xc3('), 400),                                  # /hello%c3%28
    (make_environ('/\xff', RAW_URI='/\xff'), 400),                       # a raw \xff in the request line
    (make_environ('/a\0b'), 400),                                        # /a%00b
    (make_environ('/', RAW_URI='/?a\x01b'), 400),                        # a raw control character
    (make_environ('/', RAW_URI='/?\xff=1'), 400),                        # a raw byte beyond ASCII, not UTF-8
    (make_environ('/', headers={'Cookie': 'a=\xff'}), 400),
    (make_environ('/', headers={'Cookie': 'a="\xff"'}), 400),
    (make_environ('/', headers={'Cookie': 'a="\\377"'}), 400),           # webob unescapes it to \xff
    (make_environ('/', headers={'X-Anything': 'a\0b'}), 400),
    (make_environ('/', headers={'X-Anything': 'a\nb'}), 400),
    (make_environ('/', headers={'X-N\xffte': 'a'}), 400),
    (make_environ('/', headers={'Host': 'a.example.com,b.example.com'}), 400),   # two Host headers, joined
    (make_environ('/', headers={'Host': 'ex ample.com'}), 400),
    (make_environ('/', headers={'Host': 'h\xc3\xa9.example.com'}), 400),
    (make_environ('/', 'POST', headers={'Transfer-Encoding': 'gzip, chunked'}), 501),
    (make_environ('/', 'POST', body='0\r\n\r\n', headers={'Transfer-Encoding': 'chunked'}), 400),  # + Content-Length
], ids=['undecodable-path', 'truncated-utf8-path', 'raw-ff-path', 'nul-path', 'raw-control-in-query',
        'raw-ff-in-query', 'cookie-ff', 'quoted-cookie-ff', 'escaped-cookie-ff', 'nul-in-header',
        'newline-in-header', 'header-name-beyond-ascii', 'two-hosts', 'space-in-host', 'raw-utf8-host',
        'unknown-transfer-encoding',
        'chunked-with-content-length'])
def test_malformed_request_is_refused_before_the_app_runs(environ, status):
    response, seen = serve(environ)

    assert response.code == status
    assert seen == []
    assert response.header('Connection') == 'close'
    assert 'Traceback' not in response.body


@pytest.mark.parametrize('environ', [
    make_environ('/caf\xc3\xa9', RAW_URI='/caf%C3%A9'),                 # percent-encoded UTF-8
    make_environ('/caf\xc3\xa9', RAW_URI='/caf\xc3\xa9'),               # raw UTF-8, as some clients send it
    make_environ('/a b/%zz', RAW_URI='/a%20b/%zz'),                     # a stray % stays as it is
    make_environ('/search', query='q=caf%E9', RAW_URI='/search?q=caf%E9'),  # a Latin-1 form's query
    make_environ('/search', query='q=a+b&r=%2F', RAW_URI='/search?q=a+b&r=%2F'),
    make_environ('/', headers={'Cookie': 'name=caf\xc3\xa9; session="x\\303\\251"'}),
    make_environ('/', headers={'Host': '[::1]:8080'}),
    make_environ('/', headers={'Host': 'api_server:8080'}),
    make_environ('/', headers={'User-Agent': 'caf\xe9 \xff'}),          # obs-text in other headers: opaque bytes
    make_environ('/', 'POST', headers={'Transfer-Encoding': 'Chunked'}, CONTENT_LENGTH=''),
], ids=['encoded-utf8-path', 'raw-utf8-path', 'stray-percent', 'latin1-query', 'plus-and-slash-query',
        'utf8-cookies', 'ipv6-host', 'underscore-host', 'obs-text-header', 'chunked-body'])
def test_valid_request_reaches_the_app_unchanged(environ):
    sent = dict(environ)

    response, seen = serve(environ)

    assert response.body == 'app'
    for key in ('PATH_INFO', 'QUERY_STRING', 'HTTP_COOKIE', 'HTTP_HOST', 'HTTP_USER_AGENT', 'RAW_URI'):
        assert seen[0].get(key) == sent.get(key)


def test_refusal_is_written_to_the_request_log(request_logs):
    serve(make_environ('/\xff'))

    [entry] = request_logs()
    assert entry['httpRequest']['status'] == 400


def test_refusal_names_what_was_wrong():
    assert malformed_requests.refusal(make_environ('/', headers={'X-Trace': 'a\rb'})) == (
        400, 'the X-Trace header holds NUL, CR or LF')
