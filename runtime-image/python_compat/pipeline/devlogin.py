"""The development sign-in page at /_ah/login, like dev_appserver's: anyone may sign in as anyone.

Enabled only with IDENTITY_SOURCE=dev-login. The page sets a cookie signed with a key made when the container
starts, so the user it names was chosen on this page, not typed into a cookie by hand. It answers the URLs
dev_appserver answered, so tests and scripts written for it keep working:
  /_ah/login?continue=URL                                   the form
  /_ah/login?email=E&admin=True&action=Login&continue=URL   sign in, then go to URL
  /_ah/login?action=Logout&continue=URL, /_ah/logout?...    sign out, then go to URL
"""

import base64
import binascii
import cgi
import Cookie
import hashlib
import hmac
import os
import urlparse

from python_compat import responses

LOGIN_PATH = '/_ah/login'
LOGOUT_PATH = '/_ah/logout'
COOKIE_NAME = 'python_compat_login'

_PAGE = """<!DOCTYPE html>
<html>
<head><title>Development sign-in</title></head>
<body style="font: 13px sans-serif">
<form method="get" action="%(login_path)s" style="width: 22em; margin: 2em auto; padding: 0 2em 1em;
      background: #d6e9f8; border: 2px solid #67a7e3">
  <h3>%(status)s</h3>
  <p><label for="email">Email:</label> <input name="email" type="email" value="%(email)s" id="email"></p>
  <p><input name="admin" type="checkbox" value="True" %(admin_checked)s id="admin">
     <label for="admin">Sign in as administrator</label></p>
  <p><input name="action" value="Login" type="submit" id="submit-login">
     <input name="action" value="Logout" type="submit" id="submit-logout"></p>
  <input name="continue" type="hidden" value="%(continue_url)s">
  <p style="font-size: 11px">Development sign-in: never enable it where others can reach this app.</p>
</form>
</body>
</html>
"""


def user_id_for_email(email):
    """A stable numeric user id for an email, computed as dev_appserver computed it."""
    digest = hashlib.md5(email.lower()).digest()
    return '1' + ''.join('%02d' % ord(byte) for byte in digest)[:20]


class LoginCookie(object):
    """Makes and reads the signed cookie naming the signed-in user: base64url(email \\0 admin) . HMAC-SHA256."""

    def __init__(self, secret=None):
        self.secret = secret or os.urandom(32)

    def _signature(self, payload):
        return hmac.new(self.secret, payload, hashlib.sha256).hexdigest()

    def value(self, email, admin):
        payload = base64.urlsafe_b64encode('%s\0%s' % (email, '1' if admin else '0')).rstrip('=')
        return '%s.%s' % (payload, self._signature(payload))

    def user(self, cookie_header):
        """(email, is_admin) from a Cookie request header, or None when there is no valid login cookie."""
        try:
            morsel = Cookie.SimpleCookie(cookie_header or '').get(COOKIE_NAME)
        except Cookie.CookieError:
            return None
        if morsel is None:
            return None
        payload, _, signature = morsel.value.partition('.')
        if not hmac.compare_digest(str(signature), str(self._signature(payload))):
            return None
        try:
            email, admin = base64.urlsafe_b64decode(payload + '=' * (-len(payload) % 4)).split('\0')
        except (TypeError, ValueError, binascii.Error):
            return None
        return (email, admin == '1') if '@' in email else None

    def set_header(self, email, admin):
        return ('Set-Cookie', '%s=%s; Path=/; HttpOnly; SameSite=Lax' % (COOKIE_NAME, self.value(email, admin)))

    @staticmethod
    def clear_header():
        return ('Set-Cookie', '%s=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax' % COOKIE_NAME)


def safe_continue_url(url, environ):
    """`url` when it stays on this site (a local path, or an absolute URL to the request's host), else '/'.

    The page must not redirect a browser to another site (an open redirect)."""
    parsed = urlparse.urlparse(url or '')
    if parsed.scheme in ('http', 'https') and parsed.netloc == environ.get('HTTP_HOST'):
        return url
    if not parsed.scheme and not parsed.netloc and url.startswith('/') and not url.startswith('//') \
            and '\\' not in url:
        return url
    return '/'


def _redirect(start_response, location, cookie_header):
    return responses.plain(start_response, 302, 'Redirecting to %s\n' % location,
                           [('Location', location), ('Cache-Control', 'no-store'), cookie_header])


class DevLoginPage(object):
    """A platform step of the request pipeline: answers /_ah/login and /_ah/logout, passes on everything else."""

    def __init__(self, cookie):
        self.cookie = cookie

    def answer(self, environ, start_response):
        """The sign-in page's response, or None for any other path."""
        path = environ.get('PATH_INFO')
        if path not in (LOGIN_PATH, LOGOUT_PATH):
            return None
        query = urlparse.parse_qs(environ.get('QUERY_STRING', ''))
        action = query.get('action', [''])[0].lower()
        email = query.get('email', [''])[0].strip()
        continue_url = safe_continue_url(query.get('continue', [''])[0], environ)
        if path == LOGOUT_PATH or action == 'logout':
            return _redirect(start_response, continue_url, self.cookie.clear_header())
        if action == 'login' and '@' in email:
            admin = query.get('admin', [''])[0].lower() == 'true'
            return _redirect(start_response, continue_url, self.cookie.set_header(email, admin))
        return self.form(environ, start_response, continue_url)

    def form(self, environ, start_response, continue_url):
        user = self.cookie.user(environ.get('HTTP_COOKIE'))
        email, admin = user or ('test@example.com', False)
        body = _PAGE % {
            'login_path': LOGIN_PATH,
            'status': 'Signed in as %s' % cgi.escape(user[0]) if user else 'Not signed in',
            'email': cgi.escape(email, quote=True),
            'admin_checked': 'checked' if admin else '',
            'continue_url': cgi.escape(continue_url, quote=True),
        }
        start_response('200 OK', [('Content-Type', 'text/html; charset=utf-8'), ('Content-Length', str(len(body))),
                                  ('Cache-Control', 'no-store')])
        return [body]
