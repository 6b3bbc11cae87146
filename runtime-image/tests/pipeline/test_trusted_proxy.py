"""proxy: client address and scheme from X-Forwarded-* only via trusted proxies; platform headers stripped."""

import pytest

from conftest import call_wsgi, make_environ, pipeline_for
from python_compat.wire import internal_token
from python_compat.config.networks import parse_network_list
from python_compat.pipeline.trusted_proxy import client_address

TRUSTED = parse_network_list('10.0.0.0/8, 2001:db8::/32')


def seen_by_app(trusted, **environ):
    """The WSGI environ as the app receives it from the request pipeline, whose trusted proxy step has run."""
    seen = []

    def app(app_environ, start_response):
        seen.append(dict(app_environ))
        start_response('200 OK', [])
        return []
    call_wsgi(pipeline_for(app, trusted=trusted), make_environ(**environ))
    return seen[0]


def test_client_sent_platform_headers_are_stripped():
    environ = seen_by_app([], HTTP_X_APPENGINE_USER_EMAIL='admin@example.com', HTTP_X_APPENGINE_CRON='true',
                          HTTP_X_GOOG_AUTHENTICATED_USER_EMAIL='accounts.google.com:a@example.com',
                          HTTP_X_CUSTOM='kept')

    assert not [key for key in environ if key.startswith(('HTTP_X_APPENGINE_', 'HTTP_X_GOOG_AUTHENTICATED'))]
    assert environ['HTTP_X_CUSTOM'] == 'kept'


def test_without_trusted_proxies_forwarded_headers_are_ignored():
    environ = seen_by_app([], REMOTE_ADDR='10.0.0.1', HTTP_X_FORWARDED_FOR='198.51.100.7',
                          HTTP_X_FORWARDED_PROTO='https')

    assert (environ['REMOTE_ADDR'], environ['wsgi.url_scheme']) == ('10.0.0.1', 'http')


def test_forwarded_headers_from_an_untrusted_peer_are_ignored():
    environ = seen_by_app(TRUSTED, REMOTE_ADDR='203.0.113.5', HTTP_X_FORWARDED_FOR='198.51.100.7',
                          HTTP_X_FORWARDED_PROTO='https')

    assert (environ['REMOTE_ADDR'], environ['wsgi.url_scheme']) == ('203.0.113.5', 'http')


def test_trusted_peer_gives_the_forwarded_client_address_and_scheme():
    environ = seen_by_app(TRUSTED, REMOTE_ADDR='10.0.0.1', HTTP_X_FORWARDED_FOR='198.51.100.7',
                          HTTP_X_FORWARDED_PROTO='https')

    assert (environ['REMOTE_ADDR'], environ['wsgi.url_scheme']) == ('198.51.100.7', 'https')


def test_trusted_ipv6_peer_is_honoured():
    environ = seen_by_app(TRUSTED, REMOTE_ADDR='2001:db8::1', HTTP_X_FORWARDED_FOR='198.51.100.7')

    assert environ['REMOTE_ADDR'] == '198.51.100.7'


def test_client_address_is_the_rightmost_untrusted_hop():
    environ = seen_by_app(TRUSTED, REMOTE_ADDR='10.0.0.1',
                          HTTP_X_FORWARDED_FOR='1.2.3.4 (spoofed), 198.51.100.7, 10.0.0.9')

    assert environ['REMOTE_ADDR'] == '198.51.100.7'


@pytest.mark.parametrize('proto, scheme', [('HTTPS', 'https'), ('https, http', 'http'), ('http, https', 'https'),
                                           ('ftp', 'http'), ('', 'http')])
def test_forwarded_proto_only_http_or_https_the_nearest_proxys_value(proto, scheme):
    assert seen_by_app(TRUSTED, REMOTE_ADDR='10.0.0.1', HTTP_X_FORWARDED_PROTO=proto)['wsgi.url_scheme'] == scheme


def test_trusted_peer_without_forwarded_for_keeps_its_address():
    assert seen_by_app(TRUSTED, REMOTE_ADDR='10.0.0.1')['REMOTE_ADDR'] == '10.0.0.1'


def test_internal_request_is_marked_and_skips_forwarding():
    environ = seen_by_app(TRUSTED, REMOTE_ADDR='10.0.0.1', HTTP_X_FORWARDED_FOR='198.51.100.7',
                          HTTP_X_PYTHON_COMPAT_INTERNAL=internal_token.token())

    assert environ['python_compat.internal'] is True
    assert environ['REMOTE_ADDR'] == internal_token.PLATFORM_REMOTE_ADDR


def test_internal_request_keeps_its_platform_headers():
    environ = seen_by_app([], HTTP_X_APPENGINE_TASKNAME='task-1', HTTP_X_PYTHON_COMPAT_INTERNAL=internal_token.token())

    assert environ['HTTP_X_APPENGINE_TASKNAME'] == 'task-1'


def test_client_forging_the_internal_header_is_not_internal_and_loses_platform_headers():
    environ = seen_by_app([], HTTP_X_APPENGINE_CRON='true', HTTP_X_PYTHON_COMPAT_INTERNAL='guess')

    assert environ['python_compat.internal'] is False
    assert 'HTTP_X_APPENGINE_CRON' not in environ


@pytest.mark.parametrize('forwarded_for, address', [
    (None, '10.0.0.1'),
    ('', '10.0.0.1'),
    ('198.51.100.7', '198.51.100.7'),
    ('198.51.100.7,10.0.0.2,10.0.0.3', '198.51.100.7'),
    ('10.0.0.4, 10.0.0.2', '10.0.0.4'),
    (' 198.51.100.7 , ', '198.51.100.7'),
])
def test_client_address_walks_forwarded_for_from_the_right(forwarded_for, address):
    assert client_address('10.0.0.1', forwarded_for, TRUSTED) == address


def test_client_address_of_an_untrusted_peer_is_the_peer():
    assert client_address('203.0.113.5', '198.51.100.7', TRUSTED) == '203.0.113.5'

