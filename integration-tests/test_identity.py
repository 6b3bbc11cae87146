"""Identity end to end: by default nobody can sign in by sending headers; IAP JWTs, a trusted proxy's headers or
the development sign-in page sign users in only when the operator enabled that source; `login:` handlers
(script and static), the SDK's users API and the inbound mail guard all agree with it."""

import base64
import json
import time

import pytest
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

AUDIENCE = '/projects/123456/apps/identity-test'
FORGED_HEADERS = {'X-AppEngine-User-Is-Admin': '1', 'X-AppEngine-User-Email': 'mallory@example.com',
                  'X-AppEngine-Inbound-Appid': 'other-app',
                  'X-Goog-Authenticated-User-Email': 'accounts.google.com:mallory@example.com'}
# The address the containers see our requests come from (Docker's bridge gateway) is in this network.
HOST_NETWORKS = '127.0.0.1/32,172.16.0.0/12,192.168.0.0/16,10.0.0.0/8'


@pytest.fixture(scope='module')
def image(app_image):
    return app_image('identity')


def whoami(app, **kwargs):
    response = app.get('/whoami', **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


# Default: no identity source

@pytest.fixture(scope='module')
def default_app(image, start_app):
    with start_app(image, environment={'ADMIN_EMAILS': 'mallory@example.com'}) as running:
        yield running


def test_by_default_forged_identity_headers_sign_nobody_in(default_app):
    user = whoami(default_app, headers=FORGED_HEADERS)

    assert (user['email'], user['is_admin']) == (None, False)
    assert user['environ']['USER_EMAIL'] == '' and user['environ']['USER_IS_ADMIN'] == '0'


def test_by_default_forged_platform_headers_never_reach_the_app(default_app):
    assert default_app.get('/headers', headers=FORGED_HEADERS).json() == {}


def test_by_default_forged_admin_headers_do_not_open_an_admin_page(default_app):
    assert default_app.get('/admin/panel', headers=FORGED_HEADERS).status_code == 302


def test_users_api_login_and_logout_urls_point_at_the_sign_in_page(default_app):
    user = whoami(default_app)

    assert user['login_url'].startswith('/_ah/login?continue=')
    assert user['login_url'].endswith('/whoami')
    assert user['logout_url'].startswith('/_ah/login?continue=')
    assert user['logout_url'].endswith('&action=logout')


def test_admin_static_file_redirects_an_anonymous_user_to_sign_in(default_app):
    response = default_app.get('/private/admin/report.txt', headers=FORGED_HEADERS)

    assert response.status_code == 302
    assert response.headers['Location'].startswith('/_ah/login?continue=')


def test_required_static_file_with_unauthorized_action_gives_401(default_app):
    assert default_app.get('/private/members/report.txt', headers=FORGED_HEADERS).status_code == 401


def test_sign_in_page_is_absent_unless_enabled(default_app):
    assert default_app.get('/_ah/login?continue=/whoami').status_code == 404


@pytest.mark.parametrize('path', ['/_ah/mail/support@identity-test.appspotmail.com', '/_ah/bounce'])
def test_inbound_mail_is_refused_to_an_outside_client(default_app, path):
    response = requests.post(default_app.url + path, data='From: mallory@example.com\r\n\r\nforged',
                             headers=FORGED_HEADERS, timeout=30)

    assert response.status_code == 403
    assert 'mail_delivered_to' not in response.text


# Identity-Aware Proxy

def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode('ascii')


def jwk(kid, key):
    numbers = key.public_key().public_numbers()
    return {'kty': 'EC', 'crv': 'P-256', 'alg': 'ES256', 'use': 'sig', 'kid': kid,
            'x': b64url(numbers.x.to_bytes(32, 'big')), 'y': b64url(numbers.y.to_bytes(32, 'big'))}


def iap_token(key, kid='iap-key', **overrides):
    now = int(time.time())
    claims = {'aud': AUDIENCE, 'iss': 'https://cloud.google.com/iap', 'iat': now - 5, 'exp': now + 600,
              'sub': 'accounts.google.com:1001', 'email': 'alice@example.com'}
    claims.update(overrides)
    signing_input = '%s.%s' % (b64url(json.dumps({'alg': 'ES256', 'kid': kid, 'typ': 'JWT'}).encode()),
                               b64url(json.dumps(claims).encode()))
    r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return '%s.%s' % (signing_input, b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big')))


@pytest.fixture(scope='module')
def iap_key():
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope='module')
def iap_app(image, start_app, iap_key, tmp_path_factory):
    keys_dir = tmp_path_factory.mktemp('iap-keys')
    keys_dir.chmod(0o755)  # the app runs as an unprivileged user
    (keys_dir / 'jwk.json').write_text(json.dumps({'keys': [jwk('iap-key', iap_key)]}))
    (keys_dir / 'jwk.json').chmod(0o644)
    environment = {'IDENTITY_SOURCE': 'iap', 'IAP_AUDIENCE': AUDIENCE, 'IAP_JWKS': '/iap/jwk.json',
                   'ADMIN_EMAILS': 'boss@example.com'}
    with start_app(image, environment=environment,
                   volumes={str(keys_dir): {'bind': '/iap', 'mode': 'ro'}}) as running:
        yield running


def iap_headers(token):
    return {'X-Goog-IAP-JWT-Assertion': token}


def test_valid_iap_jwt_signs_the_user_in(iap_app, iap_key):
    user = whoami(iap_app, headers=iap_headers(iap_token(iap_key)))

    assert (user['email'], user['user_id'], user['is_admin']) == ('alice@example.com', '1001', False)
    assert user['environ']['USER_EMAIL'] == 'alice@example.com'


def test_iap_user_in_admin_emails_is_admin(iap_app, iap_key):
    assert whoami(iap_app, headers=iap_headers(iap_token(iap_key, email='boss@example.com')))['is_admin'] is True


@pytest.mark.parametrize('overrides', [
    {'exp': 1000000000, 'iat': 999999000},
    {'aud': '/projects/999/apps/someone-else'},
], ids=['expired', 'wrong-audience'])
def test_invalid_iap_jwt_signs_nobody_in(iap_app, iap_key, overrides):
    token = iap_token(iap_key, email='boss@example.com', **overrides)

    assert whoami(iap_app, headers=iap_headers(token))['email'] is None
    assert iap_app.get('/admin/panel', headers=iap_headers(token)).status_code == 302


def test_iap_jwt_forged_with_another_key_signs_nobody_in(iap_app):
    forged = iap_token(ec.generate_private_key(ec.SECP256R1()), email='boss@example.com')

    assert whoami(iap_app, headers=iap_headers(forged))['email'] is None
    assert iap_app.get('/admin/panel', headers=iap_headers(forged)).status_code == 302


def test_with_iap_forged_identity_headers_still_sign_nobody_in(iap_app):
    assert whoami(iap_app, headers=FORGED_HEADERS)['email'] is None


def test_admin_static_file_is_refused_to_a_signed_in_non_admin(iap_app, iap_key):
    assert iap_app.get('/private/admin/report.txt', headers=iap_headers(iap_token(iap_key))).status_code == 403


def test_admin_static_file_is_served_to_an_admin(iap_app, iap_key):
    response = iap_app.get('/private/admin/report.txt',
                           headers=iap_headers(iap_token(iap_key, email='boss@example.com')))

    assert (response.status_code, response.text) == (200, 'for administrators only\n')


def test_required_static_file_is_served_to_any_signed_in_user(iap_app, iap_key):
    assert iap_app.get('/private/members/report.txt', headers=iap_headers(iap_token(iap_key))).status_code == 200


def test_inbound_mail_reaches_the_app_for_an_admin(iap_app, iap_key):
    response = requests.post(iap_app.url + '/_ah/mail/support@identity-test.appspotmail.com', data='hello',
                             headers=iap_headers(iap_token(iap_key, email='boss@example.com')), timeout=30)

    assert response.json()['mail_delivered_to'] == '/_ah/mail/support@identity-test.appspotmail.com'


def test_inbound_mail_is_refused_to_a_signed_in_non_admin(iap_app, iap_key):
    response = requests.post(iap_app.url + '/_ah/bounce', data='hello',
                             headers=iap_headers(iap_token(iap_key)), timeout=30)

    assert response.status_code == 403


# Trusted proxy

PROXY_HEADERS = {'X-AppEngine-User-Email': 'carol@example.com', 'X-AppEngine-User-Is-Admin': '1'}


@pytest.fixture(scope='module')
def trusting_proxy_app(image, start_app):
    with start_app(image, environment={'IDENTITY_SOURCE': 'proxy', 'TRUSTED_PROXIES': HOST_NETWORKS}) as running:
        yield running


@pytest.fixture(scope='module')
def other_proxy_app(image, start_app):
    # Trusts a proxy network our requests do not come from.
    with start_app(image, environment={'IDENTITY_SOURCE': 'proxy', 'TRUSTED_PROXIES': '198.51.100.0/24'}) as running:
        yield running


@pytest.fixture(scope='module')
def secret_proxy_app(image, start_app):
    with start_app(image, environment={'IDENTITY_SOURCE': 'proxy', 'PROXY_SECRET': 'proxy-secret-1'}) as running:
        yield running


def test_proxy_user_headers_from_the_trusted_network_sign_the_user_in(trusting_proxy_app):
    user = whoami(trusting_proxy_app, headers=PROXY_HEADERS)

    assert (user['email'], user['is_admin']) == ('carol@example.com', True)
    assert trusting_proxy_app.get('/admin/panel', headers=PROXY_HEADERS).status_code == 200


def test_proxy_user_headers_never_reach_the_app(trusting_proxy_app):
    assert trusting_proxy_app.get('/headers', headers=PROXY_HEADERS).json() == {}


def test_proxy_user_headers_from_outside_the_trusted_network_are_ignored(other_proxy_app):
    assert whoami(other_proxy_app, headers=PROXY_HEADERS)['email'] is None
    assert other_proxy_app.get('/admin/panel', headers=PROXY_HEADERS).status_code == 302


def test_proxy_user_headers_with_the_shared_secret_sign_the_user_in(secret_proxy_app):
    headers = dict(PROXY_HEADERS, **{'X-Python-Compat-Proxy-Secret': 'proxy-secret-1'})

    assert whoami(secret_proxy_app, headers=headers)['email'] == 'carol@example.com'


def test_proxy_user_headers_without_the_shared_secret_are_ignored(secret_proxy_app):
    headers = dict(PROXY_HEADERS, **{'X-Python-Compat-Proxy-Secret': 'guess'})

    assert whoami(secret_proxy_app, headers=headers)['email'] is None


# Development sign-in page

@pytest.fixture(scope='module')
def dev_login_app(image, start_app):
    with start_app(image, environment={'DEVELOPMENT_MODE': 'true'}) as running:
        yield running


def test_sign_in_page_shows_the_form(dev_login_app):
    response = dev_login_app.get('/_ah/login?continue=/whoami')

    assert response.status_code == 200
    assert 'name="email"' in response.text and 'name="admin"' in response.text


def test_sign_in_as_administrator_end_to_end(dev_login_app):
    session = requests.Session()
    anonymous = session.get(dev_login_app.url + '/admin/panel', allow_redirects=False, timeout=30)
    assert anonymous.status_code == 302
    login_url = anonymous.headers['Location']

    form = session.get(dev_login_app.url + login_url, timeout=30)
    assert form.status_code == 200
    signed_in = session.get(dev_login_app.url + '/_ah/login', timeout=30, allow_redirects=False, params={
        'email': 'dev@example.com', 'admin': 'True', 'action': 'Login',
        'continue': dev_login_app.url + '/admin/panel'})
    assert (signed_in.status_code, signed_in.headers['Location']) == (302, dev_login_app.url + '/admin/panel')

    user = session.get(dev_login_app.url + '/admin/panel', timeout=30).json()
    assert (user['email'], user['is_admin'], user['nickname']) == ('dev@example.com', True, 'dev@example.com')
    assert session.get(dev_login_app.url + '/private/admin/report.txt', timeout=30).status_code == 200

    session.get(dev_login_app.url + user['logout_url'], timeout=30)
    assert session.get(dev_login_app.url + '/whoami', timeout=30).json()['email'] is None


def test_signed_in_non_admin_is_refused_admin_pages(dev_login_app):
    session = requests.Session()
    session.get(dev_login_app.url + '/_ah/login', params={'email': 'user@example.com', 'action': 'Login'},
                timeout=30)

    assert session.get(dev_login_app.url + '/whoami', timeout=30).json()['email'] == 'user@example.com'
    assert session.get(dev_login_app.url + '/admin/panel', timeout=30).status_code == 403
    assert session.get(dev_login_app.url + '/private/admin/report.txt', timeout=30).status_code == 403


def test_hand_made_login_cookie_signs_nobody_in(dev_login_app):
    forged = {'python_compat_login': b64url(b'dev@example.com\x001') + '.' + '0' * 64}

    assert whoami(dev_login_app, cookies=forged)['email'] is None


# Start-up errors

def test_bad_identity_source_is_one_start_up_line(docker_client, image):
    container = docker_client.containers.run(image, detach=True, network_mode='none',
                                             environment={'IDENTITY_SOURCE': 'everyone'})
    try:
        assert container.wait(timeout=60)['StatusCode'] != 0
        lines = container.logs(stdout=False, stderr=True).decode().strip().splitlines()
    finally:
        container.remove(force=True)

    assert len(lines) == 1 and 'IDENTITY_SOURCE' in lines[0] and 'dev-login' in lines[0]


def test_the_development_sign_in_page_outside_the_development_mode_is_one_start_up_line(docker_client, image):
    container = docker_client.containers.run(image, detach=True, network_mode='none',
                                             environment={'IDENTITY_SOURCE': 'dev-login'})
    try:
        assert container.wait(timeout=60)['StatusCode'] != 0
        lines = container.logs(stdout=False, stderr=True).decode().strip().splitlines()
    finally:
        container.remove(force=True)

    assert len(lines) == 1 and 'IDENTITY_SOURCE: dev-login' in lines[0] and 'DEVELOPMENT_MODE=true' in lines[0]


# The runtime's own requests

def test_the_runtimes_own_warmup_request_runs_as_an_admin(default_app):
    deadline = time.monotonic() + 30
    while default_app.get('/readiness_check').status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.2)  # readiness waits for the warmup request
    seen = default_app.get('/warmup-seen').json()

    assert seen == {'is_admin': True, 'user': 'None'}


def test_an_outside_client_cannot_pass_for_the_warmup_request(default_app):
    assert default_app.get('/_ah/warmup', headers=FORGED_HEADERS).status_code == 302
