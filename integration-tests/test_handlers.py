"""Script handlers and the per-handler rules of app.yaml: order, secure, login, errors, middleware."""

import pytest


@pytest.fixture(scope='module')
def app(app_image, start_app):
    with start_app(app_image('behaviours'), environment={'TRUSTED_PROXIES': '127.0.0.1/32,172.16.0.0/12'}) as running:
        yield running


@pytest.fixture(scope='module')
def untrusting_app(app_image, start_app):
    with start_app(app_image('behaviours')) as running:
        yield running


def test_appengine_config_is_imported_before_handlers_and_its_middleware_wraps_scripts(app):
    response = app.get('/env?keys=APPENGINE_CONFIG_IMPORTED_BEFORE')
    assert response.json() == {'APPENGINE_CONFIG_IMPORTED_BEFORE': 'main'}
    assert response.headers['X-Middleware'] == 'applied'


def test_unknown_path_falls_to_the_catch_all_script(app):
    assert app.get('/anything/else').json()['path'] == '/anything/else'


def test_app_exception_gives_500_with_the_error_handlers_page(app):
    response = app.get('/raise')
    assert response.status_code == 500
    assert 'custom error page' in response.text
    assert 'Traceback' not in response.text


def test_secure_always_redirects_plain_http_with_the_configured_code(untrusting_app):
    response = untrusting_app.get('/secure/page?x=1')
    assert response.status_code == 301
    assert response.headers['Location'].startswith('https://')
    assert response.headers['Location'].endswith('/secure/page?x=1')


def test_secure_always_accepts_https_from_a_trusted_proxy(app):
    response = app.get('/secure/page', headers={'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '203.0.113.9'})
    assert response.status_code == 200
    assert response.json()['scheme'] == 'https'
    assert response.json()['remote_addr'] == '203.0.113.9'


def test_forwarded_headers_from_an_untrusted_peer_change_nothing(untrusting_app):
    response = untrusting_app.get('/secure/page', headers={'X-Forwarded-Proto': 'https',
                                                           'X-Forwarded-For': '203.0.113.9'})
    assert response.status_code == 301


def test_login_admin_redirects_an_anonymous_user_to_the_login_page(app):
    response = app.get('/admin/panel')
    assert response.status_code == 302
    assert response.headers['Location'].startswith('/_ah/login?continue=')


def test_login_required_with_unauthorized_action_gives_401(app):
    assert app.get('/required/page').status_code == 401


@pytest.mark.parametrize('header', ['X-AppEngine-User-Email', 'X-AppEngine-User-Is-Admin',
                                    'X-Goog-Authenticated-User-Email'])
def test_client_sent_identity_headers_do_not_log_anyone_in(app, header):
    response = app.get('/admin/panel', headers={header: 'admin@example.com' if 'Email' in header else '1'})
    assert response.status_code == 302


def test_client_sent_platform_headers_never_reach_the_app(app):
    seen = app.get('/headers', headers={'X-AppEngine-Cron': 'true', 'X-AppEngine-QueueName': 'default',
                                        'X-AppEngine-Country': 'ZZ', 'X-Python-Compat-Internal': 'guess',
                                        'X-Custom': 'kept'}).json()
    assert seen.get('HTTP_X_CUSTOM') == 'kept'
    assert not [key for key in seen if key.startswith(('HTTP_X_APPENGINE', 'HTTP_X_PYTHON_COMPAT'))]
