"""Who the user is, from the one identity source the operator enabled with IDENTITY_SOURCE.

  none       nobody is signed in (the default)
  iap        Identity-Aware Proxy: the ES256 JWT in X-Goog-IAP-JWT-Assertion, verified (iap_jwt.py)
  proxy      a trusted proxy's user headers, honoured only from TRUSTED_PROXIES and/or with PROXY_SECRET
  dev-login  the development sign-in page at /_ah/login (devlogin.py)

The result goes into the WSGI environ as USER_EMAIL, USER_ID, USER_NICKNAME, USER_ORGANIZATION, USER_IS_ADMIN
and AUTH_DOMAIN, the values the SDK's users API reads from os.environ. This layer runs before the trusted
proxy layer strips client-sent X-AppEngine-* headers, so it sees the proxy's headers and the direct peer;
those headers never reach the app.
"""

import hashlib
import hmac
import logging

from python_compat.pipeline import devlogin
from python_compat.pipeline import users
from python_compat.config import networks
from python_compat.errors import StartupError

IAP_ASSERTION_KEY = 'HTTP_X_GOOG_IAP_JWT_ASSERTION'
# The header a proxy sends the shared secret in, X-Python-Compat-Proxy-Secret (WSGI key); always removed before
# the app runs.
PROXY_SECRET_KEY = 'HTTP_X_PYTHON_COMPAT_PROXY_SECRET'
# Prefix of the user values in Google's X-Goog-Authenticated-User-* headers.
GOOGLE_ACCOUNTS_PREFIX = 'accounts.google.com:'

_log = logging.getLogger(__name__)


class User(object):
    def __init__(self, email, user_id='', is_admin=False, organization=''):
        self.email = email
        self.user_id = user_id or devlogin.user_id_for_email(email)
        self.is_admin = is_admin
        self.organization = organization


def nickname(email, auth_domain):
    """What users.User.nickname() answers: the local part for the auth domain's users, else the email."""
    suffix = '@' + auth_domain
    return email[:-len(suffix)] if auth_domain and email.endswith(suffix) else email


def environ_values(user, auth_domain):
    """The WSGI environ keys the identity layer owns, for `user` (None: anonymous)."""
    if user is None:
        return dict(users.ANONYMOUS, AUTH_DOMAIN=auth_domain)
    return {'USER_EMAIL': user.email, 'USER_ID': user.user_id, 'USER_NICKNAME': nickname(user.email, auth_domain),
            'USER_ORGANIZATION': user.organization, 'USER_IS_ADMIN': '1' if user.is_admin else '0',
            'AUTH_DOMAIN': auth_domain}


def _strip_prefix(value, prefix=GOOGLE_ACCOUNTS_PREFIX):
    return value[len(prefix):] if value.startswith(prefix) else value


class NoIdentity(object):
    def user(self, environ):
        return None


class IapIdentity(object):
    """The user IAP vouches for; a missing, forged, expired or foreign token means nobody is signed in."""

    def __init__(self, keys, audience, admin_emails):
        self.keys = keys
        self.audience = audience
        self.admin_emails = admin_emails

    def user(self, environ):
        from python_compat.pipeline import iap_jwt
        token = environ.get(IAP_ASSERTION_KEY)
        if not token:
            return None
        try:
            claims = iap_jwt.verify(token, self.keys, self.audience)
        except iap_jwt.InvalidToken as error:
            _log.warning('ignoring the IAP JWT assertion: %s', error)
            return None
        email = claims.get('email')
        if not isinstance(email, basestring) or '@' not in email:
            _log.warning('ignoring the IAP JWT assertion: no email claim')
            return None
        email = str(email)
        return User(email, _strip_prefix(str(claims.get('sub') or '')), email.lower() in self.admin_emails,
                    str(claims.get('hd') or ''))


class ProxyIdentity(object):
    """The user named by a trusted proxy's headers: X-AppEngine-User-Email (with -Id, -Nickname,
    -Organization, -Is-Admin) or Google's X-Goog-Authenticated-User-Email / -Id. Ignored unless the direct
    peer is in `trusted_networks` (when any are given) and the request carries the secret whose sha256 is
    `secret_sha256` (when one is given): the worker holds only the hash, so the app cannot read the secret.
    """

    def __init__(self, trusted_networks, secret_sha256, admin_emails):
        self.trusted_networks = trusted_networks
        self.secret_sha256 = secret_sha256
        self.admin_emails = admin_emails

    def from_proxy(self, environ, sent_secret):
        if self.trusted_networks and not networks.address_in(environ.get('REMOTE_ADDR', ''),
                                                              self.trusted_networks):
            return False
        if not self.secret_sha256:
            return True
        return hmac.compare_digest(sha256_hex(sent_secret or ''), str(self.secret_sha256))

    def user(self, environ):
        sent_secret = environ.pop(PROXY_SECRET_KEY, None)
        if not self.from_proxy(environ, sent_secret):
            return None
        email = environ.get('HTTP_X_APPENGINE_USER_EMAIL') or _strip_prefix(
            environ.get('HTTP_X_GOOG_AUTHENTICATED_USER_EMAIL', ''))
        if '@' not in email:
            return None
        user_id = environ.get('HTTP_X_APPENGINE_USER_ID') or _strip_prefix(
            environ.get('HTTP_X_GOOG_AUTHENTICATED_USER_ID', ''))
        admin_header = environ.get('HTTP_X_APPENGINE_USER_IS_ADMIN')
        if admin_header is not None:
            is_admin = admin_header.strip().lower() in ('1', 'true')
        else:
            is_admin = email.lower() in self.admin_emails
        return User(email, user_id, is_admin, environ.get('HTTP_X_APPENGINE_USER_ORGANIZATION', ''))


class DevLoginIdentity(object):
    """The user chosen on the development sign-in page (its signed cookie)."""

    def __init__(self, cookie, admin_emails):
        self.cookie = cookie
        self.admin_emails = admin_emails

    def user(self, environ):
        signed_in = self.cookie.user(environ.get('HTTP_COOKIE'))
        if signed_in is None:
            return None
        email, admin = signed_in
        return User(email, is_admin=admin or email.lower() in self.admin_emails)


class UserKeys(object):
    """Sets the user keys of the WSGI environ from `source` on every request (anonymous included, so nothing
    else can supply them), and removes the proxy's shared secret."""

    def __init__(self, source, auth_domain):
        self.source = source
        self.auth_domain = auth_domain
        self.anonymous = environ_values(None, auth_domain)

    def apply(self, environ):
        user = self.source.user(environ)
        environ.update(self.anonymous if user is None else environ_values(user, self.auth_domain))
        if PROXY_SECRET_KEY in environ:
            del environ[PROXY_SECRET_KEY]


def load_iap_keys(location):
    """The IAP public keys: fetched (and refreshed) from an https URL, or read once from a file."""
    from python_compat.pipeline import iap_jwt
    if location.startswith('https://'):
        return iap_jwt.FetchedKeys(location)
    if '://' in location:
        raise StartupError('environment', 'IAP_JWKS', '%r: expected an https:// URL or a file path' % location)
    try:
        with open(location) as jwk_file:
            return iap_jwt.StaticKeys(iap_jwt.certs_from_jwk_set(jwk_file.read()))
    except IOError as error:
        raise StartupError('environment', 'IAP_JWKS', '%r: cannot read the JWK set file: %s'
                           % (location, error.strerror))
    except ValueError as error:
        raise StartupError('environment', 'IAP_JWKS', '%r: %s' % (location, error))


def sha256_hex(text):
    return hashlib.sha256(str(text)).hexdigest()


def identity_source(settings, login_cookie=None):
    """The source IDENTITY_SOURCE names, built from the settings; StartupError when it cannot work."""
    admins = settings.admin_emails
    if settings.identity_source == 'iap':
        return IapIdentity(load_iap_keys(settings.iap_jwks), settings.iap_audience, admins)
    if settings.identity_source == 'proxy':
        secret_sha256 = settings.proxy_secret_sha256 or (sha256_hex(settings.proxy_secret)
                                                         if settings.proxy_secret else None)
        return ProxyIdentity(settings.trusted_proxies, secret_sha256, admins)
    if settings.identity_source == 'dev-login':
        _log.warning('IDENTITY_SOURCE=dev-login: anyone can sign in as anyone at %s; for development only',
                     devlogin.LOGIN_PATH)
        return DevLoginIdentity(login_cookie or devlogin.LoginCookie(), admins)
    return NoIdentity()
