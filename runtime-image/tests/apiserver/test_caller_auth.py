"""The API server refuses every request but the health check unless it is signed with API_SERVER_SECRET."""

import hashlib
import logging

import pytest

from conftest import call_wsgi, make_environ
from python_compat.apiserver import caller_auth
from python_compat.wire import api_signature

SECRET = 's' * 40
NOW = 1700000000.0


def _signed_environ(path='/rpc_http', body='call', secret=SECRET, now=NOW, query='', method='POST', signed_body=None):
    header = api_signature.Signer(secret).header_value(method, path, query, body if signed_body is None
                                                       else signed_body, now=now)
    return make_environ(path, method=method, query=query, body=body, headers={api_signature.HEADER: header})


def _streamed_environ(path, now=NOW):
    header = api_signature.Signer(SECRET).header_value('POST', path, '', None, now=now)
    return make_environ(path, method='POST', body='file', headers={api_signature.HEADER: header})


@pytest.fixture
def authentication():
    return caller_auth.CallerAuthentication(SECRET, clock=lambda: NOW)


@pytest.fixture
def app(authentication):
    def inner(environ, start_response):
        body = environ['wsgi.input'].read(int(environ['CONTENT_LENGTH'] or 0))
        start_response('200 OK', [])
        return ['ran with %r' % body]
    return caller_auth.RequireSignedCalls(inner, authentication, ('/', '/_ah/health'), clock=lambda: NOW)


def test_a_signed_call_runs_with_its_body(app):
    response = call_wsgi(app, _signed_environ(body='the call'))

    assert (response.code, response.body) == (200, "ran with 'the call'")


@pytest.mark.parametrize('environ', [
    make_environ('/rpc_http', method='POST', body='call'),
    _signed_environ(secret='w' * 40),
    _signed_environ(body='changed', signed_body='call'),
    _signed_environ(now=NOW - api_signature.MAX_CLOCK_SKEW_SECONDS - 1),
    _signed_environ(now=NOW + api_signature.MAX_CLOCK_SKEW_SECONDS + 1),
    _streamed_environ('/rpc_http'),
    make_environ('/rpc_http', method='POST', body='call', headers={api_signature.HEADER: 'v1 1 2 3'}),
    make_environ('/rpc_http', method='POST', body='call', headers={api_signature.HEADER: 'v1 x n d m'}),
], ids=['unsigned', 'wrong secret', 'other body', 'too old', 'from the future', 'call body unsigned',
        'malformed', 'bad time'])
def test_a_call_that_is_not_rightly_signed_is_refused_unread(app, environ):
    response = call_wsgi(app, environ)

    assert response.code == 401
    assert response.header('Connection') == 'close'
    assert 'ran' not in response.body


def test_a_signature_is_refused_for_another_path_or_query(authentication):
    environ = _signed_environ(path='/rpc_http')
    environ['PATH_INFO'] = '/_ah/upload/other'
    assert authentication.check_head(environ)[0] is None

    environ = _signed_environ(path='/_ah/upload/k', query='a=1')
    environ['QUERY_STRING'] = 'a=2'
    assert authentication.check_head(environ)[0] is None


def test_a_replayed_signature_is_refused(app):
    environ = _signed_environ()
    replay = dict(environ, **{'wsgi.input': make_environ(body='call')['wsgi.input']})

    assert call_wsgi(app, environ).code == 200
    response = call_wsgi(app, replay)

    assert response.code == 401
    assert 'already used' in response.body


def test_an_upload_may_leave_its_streamed_body_unsigned(app):
    assert call_wsgi(app, _streamed_environ('/_ah/upload/session')).body == "ran with 'file'"


@pytest.mark.parametrize('path', ['/', '/_ah/health'])
def test_the_health_check_stays_open(app, path):
    assert call_wsgi(app, make_environ(path)).code == 200


def test_other_paths_are_refused_too(app):
    assert call_wsgi(app, make_environ('/_ah/upload/session', method='POST', body='file')).code == 401
    assert call_wsgi(app, make_environ('/anything')).code == 401


def test_screen_refuses_on_the_headers_alone_and_lets_signed_calls_through(app):
    refused = app.screen(make_environ('/rpc_http', method='POST'))
    environ = _signed_environ(body='x')

    assert refused.startswith('HTTP/1.1 401 Unauthorized\r\n') and 'Connection: close' in refused
    assert app.screen(environ) is None
    assert environ[caller_auth.SCREENED_KEY] == hashlib.sha256('x').hexdigest()
    # The screened signature is not checked (and refused as a replay) a second time.
    assert call_wsgi(app, environ).code == 200


def test_refusals_are_logged_at_most_once_a_minute(app, caplog):
    with caplog.at_level(logging.WARNING, logger=caller_auth.__name__):
        for _ in range(5):
            call_wsgi(app, make_environ('/rpc_http', method='POST'))

    assert len(caplog.records) == 1
    assert 'from 203.0.113.9' in caplog.records[0].getMessage()


@pytest.mark.parametrize('host, loopback', [
    ('127.0.0.1', True), ('127.1.2.3', True), ('::1', True), ('localhost', True),
    ('0.0.0.0', False), ('::', False), ('10.0.0.5', False), ('api', False), ('localhost.example.com', False)])
def test_loopback_hosts(host, loopback):
    assert caller_auth.is_loopback(host) is loopback
