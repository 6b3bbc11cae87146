"""identity: one explicitly enabled source of signed-in users (none, IAP, a trusted proxy, the development
sign-in page) sets the USER_* keys; client-sent identity headers never do. Also the settings that choose the
source and the inbound mail guard."""

import pytest

from conftest import call_wsgi, make_environ, pipeline_for, step_then
from python_compat.pipeline import devlogin
from python_compat.pipeline import inbound_mail
from python_compat.pipeline import identity
from python_compat.wire import internal_token
from python_compat.pipeline import iap_jwt
from python_compat.pipeline import trusted_proxy
from python_compat.errors import StartupError
from python_compat.config.networks import parse_network_list
from python_compat.config.settings import Settings
from test_iap_jwt import AUDIENCE, iap_claims, jwk_set, new_key, signed_token

FORGED_HEADERS = {'HTTP_X_APPENGINE_USER_EMAIL': 'mallory@example.com', 'HTTP_X_APPENGINE_USER_IS_ADMIN': '1',
                  'HTTP_X_APPENGINE_USER_ID': '42',
                  'HTTP_X_GOOG_AUTHENTICATED_USER_EMAIL': 'accounts.google.com:mallory@example.com'}
USER_KEYS = ('USER_EMAIL', 'USER_ID', 'USER_NICKNAME', 'USER_ORGANIZATION', 'USER_IS_ADMIN', 'AUTH_DOMAIN')


def seen_by_app(source, **environ):
    """The WSGI environ the app receives after the user step, then the trusted proxy step (the pipeline's
    order)."""
    wsgi_environ = make_environ(**environ)
    identity.UserKeys(source, 'gmail.com').apply(wsgi_environ)
    trusted_proxy.TrustedProxy([]).apply(wsgi_environ)
    return wsgi_environ


def user_of(source, **environ):
    seen = seen_by_app(source, **environ)
    return dict((key, seen[key]) for key in USER_KEYS)


ANONYMOUS = {'USER_EMAIL': '', 'USER_ID': '', 'USER_NICKNAME': '', 'USER_ORGANIZATION': '', 'USER_IS_ADMIN': '0',
             'AUTH_DOMAIN': 'gmail.com'}


# No source (the default)

def test_without_a_source_forged_identity_headers_leave_the_user_anonymous():
    assert user_of(identity.NoIdentity(), **FORGED_HEADERS) == ANONYMOUS


def test_forged_headers_never_reach_the_app():
    seen = seen_by_app(identity.NoIdentity(), **FORGED_HEADERS)

    assert not [key for key in FORGED_HEADERS if key in seen]


# Identity-Aware Proxy

@pytest.fixture(scope='module')
def iap_key():
    return new_key()


@pytest.fixture(scope='module')
def iap(iap_key):
    keys = iap_jwt.StaticKeys(iap_jwt.certs_from_jwk_set(jwk_set(('key-1', iap_key))))
    return identity.IapIdentity(keys, AUDIENCE, frozenset(['boss@example.com']))


def iap_user(iap, token, **environ):
    return user_of(iap, HTTP_X_GOOG_IAP_JWT_ASSERTION=token, **environ)


def fresh_claims(**overrides):
    import time
    now = int(time.time())
    claims = dict(iat=now - 5, exp=now + 600)
    claims.update(overrides)
    return iap_claims(**claims)


def test_valid_iap_assertion_signs_the_user_in(iap, iap_key):
    user = iap_user(iap, signed_token(iap_key, fresh_claims(hd='example.com')))

    assert user == {'USER_EMAIL': 'alice@example.com', 'USER_ID': '1234567890', 'USER_NICKNAME': 'alice@example.com',
                    'USER_ORGANIZATION': 'example.com', 'USER_IS_ADMIN': '0', 'AUTH_DOMAIN': 'gmail.com'}


def test_iap_user_in_admin_emails_is_admin(iap, iap_key):
    token = signed_token(iap_key, fresh_claims(email='Boss@Example.com'))

    assert iap_user(iap, token)['USER_IS_ADMIN'] == '1'


@pytest.mark.parametrize('claims', [
    dict(exp=1000000000, iat=999999000),
    dict(aud='/projects/999/apps/other'),
    dict(iss='https://evil.example'),
], ids=['expired', 'wrong-audience', 'wrong-issuer'])
def test_invalid_iap_assertion_leaves_the_user_anonymous(iap, iap_key, claims):
    assert iap_user(iap, signed_token(iap_key, fresh_claims(**claims))) == ANONYMOUS


def test_iap_assertion_forged_with_another_key_leaves_the_user_anonymous(iap):
    assert iap_user(iap, signed_token(new_key(), fresh_claims())) == ANONYMOUS


def test_iap_assertion_without_an_email_leaves_the_user_anonymous(iap, iap_key):
    claims = fresh_claims()
    del claims['email']

    assert iap_user(iap, signed_token(iap_key, claims)) == ANONYMOUS


def test_with_iap_forged_user_headers_still_change_nothing(iap):
    assert user_of(iap, **FORGED_HEADERS) == ANONYMOUS


def test_iap_keys_from_a_file(tmpdir, iap_key):
    path = tmpdir.join('jwk.json')
    path.write(jwk_set(('key-1', iap_key)))

    keys = identity.load_iap_keys(str(path))

    assert list(keys.certs('key-1')) == ['key-1']


@pytest.mark.parametrize('content, problem', [(None, 'cannot read'), ('{"keys": []}', 'no P-256')])
def test_unusable_iap_key_file_is_a_startup_error(tmpdir, content, problem):
    path = tmpdir.join('jwk.json')
    if content is not None:
        path.write(content)
    with pytest.raises(StartupError) as error:
        identity.load_iap_keys(str(path))

    assert str(error.value).startswith('environment: IAP_JWKS: ')
    assert problem in str(error.value)


def test_iap_keys_from_an_https_url_are_fetched_when_needed():
    keys = identity.load_iap_keys('https://www.gstatic.com/iap/verify/public_key-jwk')

    assert isinstance(keys, iap_jwt.FetchedKeys) and keys.fetched_at is None


def test_iap_keys_from_a_plain_http_url_are_refused():
    with pytest.raises(StartupError, match='https'):
        identity.load_iap_keys('http://keys.example/jwk')


# Trusted proxy

TRUSTED = parse_network_list('10.0.0.0/8')


def proxy_user(trusted=TRUSTED, secret=None, admins=frozenset(), **environ):
    return user_of(identity.ProxyIdentity(trusted, secret and identity.sha256_hex(secret), admins), **environ)


def test_user_headers_from_the_trusted_network_sign_the_user_in():
    user = proxy_user(REMOTE_ADDR='10.1.2.3', HTTP_X_APPENGINE_USER_EMAIL='bob@gmail.com',
                      HTTP_X_APPENGINE_USER_ID='777', HTTP_X_APPENGINE_USER_ORGANIZATION='example.org')

    assert user == {'USER_EMAIL': 'bob@gmail.com', 'USER_ID': '777', 'USER_NICKNAME': 'bob',
                    'USER_ORGANIZATION': 'example.org', 'USER_IS_ADMIN': '0', 'AUTH_DOMAIN': 'gmail.com'}


def test_user_headers_from_outside_the_trusted_network_are_ignored():
    assert proxy_user(REMOTE_ADDR='203.0.113.9', **FORGED_HEADERS) == ANONYMOUS


@pytest.mark.parametrize('value, admin', [('1', '1'), ('true', '1'), ('0', '0'), ('', '0')])
def test_proxy_admin_header_decides_admin(value, admin):
    user = proxy_user(admins=frozenset(['bob@example.com']), REMOTE_ADDR='10.0.0.1',
                      HTTP_X_APPENGINE_USER_EMAIL='bob@example.com', HTTP_X_APPENGINE_USER_IS_ADMIN=value)

    assert user['USER_IS_ADMIN'] == admin


def test_without_an_admin_header_admin_emails_decide():
    user = proxy_user(admins=frozenset(['bob@example.com']), REMOTE_ADDR='10.0.0.1',
                      HTTP_X_APPENGINE_USER_EMAIL='bob@example.com')

    assert user['USER_IS_ADMIN'] == '1'


def test_google_authenticated_user_headers_from_the_proxy_are_understood():
    user = proxy_user(REMOTE_ADDR='10.0.0.1', HTTP_X_GOOG_AUTHENTICATED_USER_EMAIL='accounts.google.com:c@x.org',
                      HTTP_X_GOOG_AUTHENTICATED_USER_ID='accounts.google.com:99')

    assert (user['USER_EMAIL'], user['USER_ID']) == ('c@x.org', '99')


def test_proxy_user_without_an_id_gets_a_stable_one():
    first = proxy_user(REMOTE_ADDR='10.0.0.1', HTTP_X_APPENGINE_USER_EMAIL='d@x.org')['USER_ID']

    assert first == devlogin.user_id_for_email('d@x.org') and first.isdigit()


def test_shared_secret_alone_authorizes_the_proxy():
    user = proxy_user(trusted=[], secret='s3cret', REMOTE_ADDR='203.0.113.9',
                      HTTP_X_PYTHON_COMPAT_PROXY_SECRET='s3cret', HTTP_X_APPENGINE_USER_EMAIL='e@x.org')

    assert user['USER_EMAIL'] == 'e@x.org'


@pytest.mark.parametrize('sent', [None, '', 'guess'])
def test_without_the_shared_secret_proxy_headers_are_ignored(sent):
    environ = dict(REMOTE_ADDR='10.0.0.1', HTTP_X_APPENGINE_USER_EMAIL='e@x.org')
    if sent is not None:
        environ['HTTP_X_PYTHON_COMPAT_PROXY_SECRET'] = sent

    assert proxy_user(secret='s3cret', **environ) == ANONYMOUS


def test_network_and_secret_are_both_required_when_both_are_set():
    assert proxy_user(secret='s3cret', REMOTE_ADDR='203.0.113.9', HTTP_X_PYTHON_COMPAT_PROXY_SECRET='s3cret',
                      HTTP_X_APPENGINE_USER_EMAIL='e@x.org') == ANONYMOUS


def test_shared_secret_never_reaches_the_app():
    source = identity.ProxyIdentity([], identity.sha256_hex('s3cret'), frozenset())
    seen = seen_by_app(source, HTTP_X_PYTHON_COMPAT_PROXY_SECRET='s3cret')

    assert 'HTTP_X_PYTHON_COMPAT_PROXY_SECRET' not in seen


def test_proxy_user_headers_never_reach_the_app():
    seen = seen_by_app(identity.ProxyIdentity(TRUSTED, None, frozenset()), REMOTE_ADDR='10.0.0.1',
                       HTTP_X_APPENGINE_USER_EMAIL='e@x.org')

    assert seen['USER_EMAIL'] == 'e@x.org' and 'HTTP_X_APPENGINE_USER_EMAIL' not in seen


# Development sign-in

@pytest.fixture
def cookie():
    return devlogin.LoginCookie('test-secret')


def cookie_header(cookie, email, admin):
    return cookie.set_header(email, admin)[1].split(';')[0]


def test_dev_login_cookie_signs_the_user_in(cookie):
    source = identity.DevLoginIdentity(cookie, frozenset())

    user = user_of(source, HTTP_COOKIE=cookie_header(cookie, 'dev@example.com', True))

    assert (user['USER_EMAIL'], user['USER_IS_ADMIN']) == ('dev@example.com', '1')
    assert user['USER_ID'] == devlogin.user_id_for_email('dev@example.com')


def test_dev_login_admin_emails_make_an_admin(cookie):
    source = identity.DevLoginIdentity(cookie, frozenset(['dev@example.com']))

    assert user_of(source, HTTP_COOKIE=cookie_header(cookie, 'dev@example.com', False))['USER_IS_ADMIN'] == '1'


def test_dev_login_cookie_signed_with_another_key_is_ignored(cookie):
    forged = cookie_header(devlogin.LoginCookie('other'), 'dev@example.com', True)

    assert user_of(identity.DevLoginIdentity(cookie, frozenset()), HTTP_COOKIE=forged) == ANONYMOUS


@pytest.mark.parametrize('value', ['', 'garbage', 'a.b', 'ZGV2QGV4YW1wbGUuY29tADE.0000', '"unterminated'])
def test_dev_login_malformed_cookies_are_ignored(cookie, value):
    assert cookie.user('%s=%s' % (devlogin.COOKIE_NAME, value)) is None


def test_dev_login_cookie_is_http_only_on_the_whole_site(cookie):
    header = cookie.set_header('dev@example.com', False)[1]

    assert '; Path=/' in header and 'HttpOnly' in header


def page(cookie, path='/_ah/login', query='', **environ):
    def app(environ, start_response):
        start_response('200 OK', [])
        return ['the app']

    return call_wsgi(step_then(devlogin.DevLoginPage(cookie).answer, app),
                     make_environ(path=path, query=query, **environ))


def test_login_page_shows_the_form_with_the_continue_url(cookie):
    response = page(cookie, query='continue=/after%3Fx%3D1')

    assert response.code == 200
    assert 'name="email"' in response.body and 'name="admin"' in response.body
    assert 'value="/after?x=1"' in response.body
    assert 'Not signed in' in response.body


def test_login_page_names_the_signed_in_user(cookie):
    response = page(cookie, HTTP_COOKIE=cookie_header(cookie, 'dev@example.com', True))

    assert 'Signed in as dev@example.com' in response.body and 'checked' in response.body


def test_login_action_sets_the_cookie_and_redirects_to_continue(cookie):
    response = page(cookie, query='email=dev%40example.com&admin=True&action=Login&continue=/admin')

    assert (response.code, response.header('Location')) == (302, '/admin')
    value = response.header('Set-Cookie').split(';')[0]
    assert cookie.user(value) == ('dev@example.com', True)


def test_login_without_the_admin_box_is_not_admin(cookie):
    response = page(cookie, query='email=dev%40example.com&action=Login')

    assert cookie.user(response.header('Set-Cookie').split(';')[0]) == ('dev@example.com', False)


def test_login_action_without_an_email_sets_no_cookie(cookie):
    response = page(cookie, query='email=&action=Login')

    assert response.code == 200 and response.header('Set-Cookie') is None


@pytest.mark.parametrize('path, query', [('/_ah/login', 'action=logout&continue=/bye'),
                                         ('/_ah/login', 'action=Logout&continue=/bye'),
                                         ('/_ah/logout', 'continue=/bye')])
def test_logout_clears_the_cookie(cookie, path, query):
    response = page(cookie, path=path, query=query)

    assert (response.code, response.header('Location')) == (302, '/bye')
    assert 'Max-Age=0' in response.header('Set-Cookie')


@pytest.mark.parametrize('url, expected', [
    ('http://example.com/back', 'http://example.com/back'),
    ('https://example.com/back?x=1', 'https://example.com/back?x=1'),
    ('/local', '/local'),
    ('http://evil.example/', '/'),
    ('//evil.example/', '/'),
    ('/\\evil.example', '/'),
    ('javascript:alert(1)', '/'),
    ('', '/'),
])
def test_continue_never_leaves_the_site(url, expected):
    assert devlogin.safe_continue_url(url, {'HTTP_HOST': 'example.com'}) == expected


def test_other_paths_go_to_the_app(cookie):
    assert page(cookie, path='/_ah/loginx').body == 'the app'


# Settings that choose the source

def test_identity_defaults_to_none():
    configured = Settings({})

    assert (configured.identity_source, configured.admin_emails, configured.proxy_secret) == ('none', frozenset(),
                                                                                              None)
    assert isinstance(identity.identity_source(configured), identity.NoIdentity)


def test_bad_identity_source_is_one_line():
    with pytest.raises(StartupError) as error:
        Settings({'IDENTITY_SOURCE': 'google'})

    assert str(error.value) == ("environment: IDENTITY_SOURCE: 'google': expected one of none, iap, proxy, "
                                "dev-login")


def test_iap_needs_an_audience():
    with pytest.raises(StartupError, match='IAP_AUDIENCE: required'):
        Settings({'IDENTITY_SOURCE': 'iap'})


def test_iap_keys_default_to_googles_url():
    configured = Settings({'IDENTITY_SOURCE': 'iap', 'IAP_AUDIENCE': AUDIENCE})

    assert configured.iap_jwks == 'https://www.gstatic.com/iap/verify/public_key-jwk'
    assert isinstance(identity.identity_source(configured), identity.IapIdentity)


def test_proxy_needs_a_network_or_a_secret():
    with pytest.raises(StartupError, match='TRUSTED_PROXIES and/or PROXY_SECRET'):
        Settings({'IDENTITY_SOURCE': 'proxy'})


def test_proxy_source_uses_trusted_proxies_and_secret():
    configured = Settings({'IDENTITY_SOURCE': 'proxy', 'TRUSTED_PROXIES': '10.0.0.0/8', 'PROXY_SECRET': 'x'})
    source = identity.identity_source(configured)

    assert (source.trusted_networks, source.secret_sha256) == (configured.trusted_proxies, identity.sha256_hex('x'))


def test_dev_login_source():
    assert isinstance(identity.identity_source(Settings({'IDENTITY_SOURCE': 'Dev-Login', 'DEVELOPMENT_MODE': '1'})),
                      identity.DevLoginIdentity)


def test_admin_emails_are_a_lowercase_set():
    assert Settings({'ADMIN_EMAILS': 'A@x.org, b@y.org,'}).admin_emails == frozenset(['a@x.org', 'b@y.org'])


def test_bad_admin_email_is_one_line():
    with pytest.raises(StartupError, match="ADMIN_EMAILS: 'nobody': expected"):
        Settings({'ADMIN_EMAILS': 'a@x.org,nobody'})


# Inbound mail

def mail(path, **environ):
    def app(environ, start_response):
        start_response('200 OK', [])
        return ['delivered']

    return call_wsgi(step_then(inbound_mail.refusal, app), make_environ(path=path, method='POST', **environ))


@pytest.mark.parametrize('path', ['/_ah/mail/support@app.appspotmail.com', '/_ah/bounce', '/_ah/mail/'])
def test_inbound_mail_is_refused_to_an_outside_client(path):
    assert mail(path).code == 403


def test_inbound_mail_is_refused_to_a_signed_in_non_admin():
    assert mail('/_ah/mail/x@y', USER_EMAIL='u@x.org', USER_IS_ADMIN='0').code == 403


def test_inbound_mail_reaches_the_app_from_the_platform():
    assert mail('/_ah/mail/x@y', **{'python_compat.internal': True}).body == 'delivered'


def test_inbound_mail_reaches_the_app_for_an_admin():
    assert mail('/_ah/bounce', USER_EMAIL='a@x.org', USER_IS_ADMIN='1').body == 'delivered'


def test_other_paths_are_not_guarded():
    assert mail('/_ah/mailbox').body == 'delivered'


# The runtime's own requests

class SignedInNonAdmin(object):
    def user(self, environ):
        return identity.User('someone@x.org', is_admin=False)


def platform_request(sent_token=None):
    """The WSGI environ the app sees from the request pipeline (which marks the runtime's own requests) when the
    identity source names someone@x.org, not an administrator."""
    environ = {internal_token.WSGI_KEY: sent_token} if sent_token is not None else {}
    seen = []

    def app(app_environ, start_response):
        seen.append(dict(app_environ))
        start_response('200 OK', [])
        return []
    call_wsgi(pipeline_for(app, source=SignedInNonAdmin()), make_environ(**environ))
    return seen[0]


def test_internal_requests_run_as_an_admin_without_a_user():
    seen = platform_request(internal_token.token())

    assert (seen['USER_EMAIL'], seen['USER_IS_ADMIN']) == ('', '1')


def test_outside_requests_keep_their_user():
    seen = platform_request()

    assert (seen['USER_EMAIL'], seen['USER_IS_ADMIN']) == ('someone@x.org', '0')


def test_a_wrong_internal_token_keeps_the_user():
    seen = platform_request('not-the-token')

    assert (seen['USER_EMAIL'], seen['USER_IS_ADMIN']) == ('someone@x.org', '0')
