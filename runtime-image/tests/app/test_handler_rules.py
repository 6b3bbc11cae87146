"""handler_rules: app.yaml `secure:` redirects and `login:` refusals, applied before a handler runs."""

import pytest

from conftest import Response, make_environ, url_map
from python_compat.app.handler_rules import login_refusal, secure_redirect


def entry(**attributes):
    return url_map(url='/.*', script='main.app', **attributes)


def refusal(rule, handler, **environ):
    """The response `rule` answers with, or None when it lets the request through."""
    started = []

    def start_response(status, headers, exc_info=None):
        started.append((status, headers))

    body = rule(handler, make_environ(**environ), start_response)
    if body is None:
        assert started == []
        return None
    return Response(started[0][0], started[0][1], ''.join(body), None)


def secure(handler, **environ):
    return refusal(secure_redirect, handler, **environ)


def login(handler, **environ):
    return refusal(login_refusal, handler, **environ)


# secure

def test_secure_always_redirects_http_to_https_with_path_and_query():
    response = secure(entry(secure='always'), path='/a b', query='x=1')

    assert response.code == 302
    assert response.header('Location') == 'https://example.com/a%20b?x=1'


def test_secure_always_lets_https_through():
    assert secure(entry(secure='always'), **{'wsgi.url_scheme': 'https'}) is None


def test_secure_never_redirects_https_to_http():
    response = secure(entry(secure='never'), path='/p', **{'wsgi.url_scheme': 'https'})

    assert response.header('Location') == 'http://example.com/p'


def test_secure_never_lets_http_through():
    assert secure(entry(secure='never')) is None


@pytest.mark.parametrize('value', [None, 'optional', 'default'])
@pytest.mark.parametrize('scheme', ['http', 'https'])
def test_secure_optional_or_unset_never_redirects(value, scheme):
    handler = entry(secure=value) if value else entry()

    assert secure(handler, **{'wsgi.url_scheme': scheme}) is None


@pytest.mark.parametrize('code', ['301', '302', '303', '307'])
def test_redirect_http_response_code_is_used_for_get(code):
    assert secure(entry(secure='always', redirect_http_response_code=code)).code == int(code)


@pytest.mark.parametrize('code', [None, '301', '302'])
def test_post_redirect_is_307_to_keep_method_and_body(code):
    handler = entry(secure='always', redirect_http_response_code=code) if code else entry(secure='always')

    assert secure(handler, method='POST').code == 307


def test_https_redirect_drops_the_http_default_port():
    response = secure(entry(secure='always'), HTTP_HOST='example.com:80')

    assert response.header('Location') == 'https://example.com/'


def test_redirect_uses_server_name_without_a_host_header():
    response = secure(entry(secure='always'), HTTP_HOST='', SERVER_NAME='internal.local')

    assert response.header('Location') == 'https://internal.local/'


# login

def test_login_optional_lets_anyone_through():
    assert login(entry()) is None


@pytest.mark.parametrize('level', ['required', 'admin'])
def test_login_without_a_user_redirects_to_the_login_page_with_continue(level):
    response = login(entry(login=level), path='/private', query='a=1')

    assert response.code == 302
    assert response.header('Location') == '/_ah/login?continue=http%3A%2F%2Fexample.com%2Fprivate%3Fa%3D1'


@pytest.mark.parametrize('level', ['required', 'admin'])
def test_login_without_a_user_and_unauthorized_action_is_401(level):
    assert login(entry(login=level, auth_fail_action='unauthorized')).code == 401


def test_login_required_lets_any_signed_in_user_through():
    assert login(entry(login='required'), USER_EMAIL='a@example.com', USER_IS_ADMIN='0') is None


def test_login_admin_lets_an_admin_through():
    assert login(entry(login='admin'), USER_EMAIL='a@example.com', USER_IS_ADMIN='1') is None


@pytest.mark.parametrize('action', ['redirect', 'unauthorized'])
def test_login_admin_refuses_a_signed_in_non_admin_with_403(action):
    response = login(entry(login='admin', auth_fail_action=action), USER_EMAIL='a@example.com', USER_IS_ADMIN='0')

    assert response.code == 403


@pytest.mark.parametrize('level', ['required', 'admin'])
def test_internal_requests_pass_login_handlers(level):
    assert login(entry(login=level), **{'python_compat.internal': True}) is None


def test_client_headers_do_not_make_a_user():
    response = login(entry(login='admin'), HTTP_USER_EMAIL='a@example.com', HTTP_USER_IS_ADMIN='1',
                     HTTP_X_APPENGINE_USER_EMAIL='a@example.com')

    assert response.code == 302
