"""Rules applied before a handler runs: app.yaml's per-handler `secure:` and `login:`."""

import urllib

from python_compat import responses
from python_compat.wire import internal_token

DEFAULT_REDIRECT_CODE = 302
LOGIN_PATH = '/_ah/login'


def request_url(environ, scheme=None):
    scheme = scheme or environ.get('wsgi.url_scheme', 'http')
    host = environ.get('HTTP_HOST') or environ.get('SERVER_NAME', 'localhost')
    if scheme == 'https' and host.endswith(':80'):
        host = host[:-3]
    url = '%s://%s%s' % (scheme, host, urllib.quote(environ.get('PATH_INFO', '') or '/'))
    if environ.get('QUERY_STRING'):
        url += '?' + environ['QUERY_STRING']
    return url


def secure_redirect(url_map, environ, start_response):
    """A redirect response when `secure:` demands another scheme, else None."""
    scheme = environ.get('wsgi.url_scheme', 'http')
    wanted = {'always': 'https', 'never': 'http'}.get(url_map.secure)
    if wanted is None or wanted == scheme:
        return None
    code = int(url_map.redirect_http_response_code or DEFAULT_REDIRECT_CODE)
    if environ.get('REQUEST_METHOD') not in ('GET', 'HEAD') and code in (301, 302):
        # Browsers turn a redirected POST into a GET; 307 keeps the method and body, as App Engine did.
        code = 307
    return responses.redirect(start_response, code, request_url(environ, wanted))


def login_url(environ):
    return '%s?continue=%s' % (LOGIN_PATH, urllib.quote(request_url(environ), safe=''))


def login_refusal(url_map, environ, start_response):
    """The response refusing a `login: required|admin` request without the right user, else None.

    The user comes only from the identity layer (USER_EMAIL / USER_IS_ADMIN in the WSGI environ it sets),
    never from client headers.
    """
    if url_map.login not in ('required', 'admin') or environ.get(internal_token.ENVIRON_FLAG):
        return None  # the platform's own requests (warmup, tasks, cron) pass admin handlers, as on App Engine
    email = environ.get('USER_EMAIL')
    if email and (url_map.login == 'required' or environ.get('USER_IS_ADMIN') == '1'):
        return None
    if email:
        return responses.plain(start_response, 403, 'Forbidden: this page is for administrators only\n')
    if url_map.auth_fail_action == 'unauthorized':
        return responses.plain(start_response, 401, 'Login required\n')
    return responses.redirect(start_response, 302, login_url(environ))
