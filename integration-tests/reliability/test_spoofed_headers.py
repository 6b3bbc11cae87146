"""Spoofed headers: a client that sends the platform's own headers gains nothing. Each header, in each spelling a
server might map to the same variable, never reaches the app, signs nobody in, opens no admin page and changes
neither the client address nor the scheme the app sees."""

import json

import pytest

from reliability import figures
from reliability import raw_http

PLATFORM_HEADERS = [
    'X-AppEngine-User-Email', 'X-AppEngine-User-Id', 'X-AppEngine-User-Nickname', 'X-AppEngine-User-Organization',
    'X-AppEngine-User-Is-Admin', 'X-AppEngine-Auth-Domain', 'X-AppEngine-Federated-Identity',
    'X-AppEngine-Federated-Provider', 'X-AppEngine-Inbound-Appid', 'X-AppEngine-QueueName',
    'X-AppEngine-TaskName', 'X-AppEngine-TaskRetryCount', 'X-AppEngine-TaskExecutionCount', 'X-AppEngine-TaskETA',
    'X-AppEngine-TaskPreviousResponse', 'X-AppEngine-Cron', 'X-AppEngine-Country', 'X-AppEngine-Region',
    'X-AppEngine-City', 'X-AppEngine-CityLatLong', 'X-AppEngine-Default-Namespace', 'X-AppEngine-Current-Namespace',
    'X-AppEngine-Api-Ticket', 'X-AppEngine-Dev-Request-Id', 'X-AppEngine-Https', 'X-AppEngine-Remote-Addr',
    'X-AppEngine-Request-Log-Id', 'X-AppEngine-BlobKey', 'X-AppEngine-BlobRange', 'X-AppEngine-BlobUpload',
    'X-Goog-Authenticated-User-Email', 'X-Goog-Authenticated-User-Id', 'X-Python-Compat-Internal',
    'X-Python-Compat-Proxy-Secret',
]
VALUES = {'X-AppEngine-User-Email': 'mallory@example.com', 'X-AppEngine-User-Is-Admin': '1',
          'X-Goog-Authenticated-User-Email': 'accounts.google.com:mallory@example.com',
          'X-AppEngine-Https': 'on', 'X-AppEngine-Remote-Addr': '10.9.9.9', 'X-AppEngine-Cron': 'true'}
# Headers a proxy sets, believed only from TRUSTED_PROXIES (this container has none), and IAP's assertion, which
# reaches the app (apps may verify it themselves) but signs nobody in without IDENTITY_SOURCE=iap.
PROXY_HEADERS = [('X-Goog-IAP-JWT-Assertion', 'eyJhbGciOiJub25lIn0.eyJlbWFpbCI6Im1hbGxvcnlAZXhhbXBsZS5jb20ifQ.'),
                 ('X-Forwarded-For', '10.9.9.9'), ('X-Forwarded-Proto', 'https'),
                 ('Forwarded', 'for=10.9.9.9;proto=https'),
                 ('X-Real-IP', '10.9.9.9')]
PLATFORM_PREFIXES = ('HTTP_X_APPENGINE', 'HTTP_X_GOOG_AUTHENTICATED', 'HTTP_X_PYTHON_COMPAT')
USER_KEYS = 'USER_EMAIL,USER_ID,USER_IS_ADMIN,REMOTE_ADDR,HTTPS'


def spellings(name):
    """The header as written, lower-cased, and with underscores (which gunicorn maps to the same WSGI key)."""
    return [name, name.lower(), name.replace('-', '_')]


@pytest.fixture(scope='module')
def app(app_image, start_app):
    with start_app(app_image('behaviours'), environment={'ADMIN_EMAILS': 'mallory@example.com'}) as running:
        yield running


def probe(app, header_lines):
    """(platform headers the app saw, the app's user and address variables, status of an admin-only page)."""
    port = int(app.url.rsplit(':', 1)[1])
    headers = [(name.encode(), value.encode()) for name, value in header_lines]
    seen = json.loads(raw_http.get(port, b'/headers', headers).body)
    environ = json.loads(raw_http.get(port, b'/env?keys=' + USER_KEYS.encode(), headers).body)
    admin = raw_http.get(port, b'/admin/panel', headers).status
    return sorted(key for key in seen if key.startswith(PLATFORM_PREFIXES)), environ, admin


def test_spoofed_platform_and_proxy_headers_gain_nothing(app):
    spoofing = figures.category('spoofed headers')
    _, baseline, _ = probe(app, [])
    assert (baseline['USER_EMAIL'], baseline['USER_IS_ADMIN'], baseline['HTTPS']) == ('', '0', 'off')

    for name in PLATFORM_HEADERS:
        for spelling in spellings(name):
            leaked, environ, admin = probe(app, [(spelling, VALUES.get(name, 'spoofed'))])
            spoofing.attempt('%s: app saw %s, environ %s, admin page %s' % (spelling, leaked, environ, admin),
                             held=not leaked and environ == baseline and admin == 302)
    for name, value in PROXY_HEADERS:
        _, environ, admin = probe(app, [(name, value)])
        spoofing.attempt('%s: environ %s, admin page %s' % (name, environ, admin),
                         held=environ == baseline and admin == 302)
    every = [(name, VALUES.get(name, 'spoofed')) for name in PLATFORM_HEADERS] + PROXY_HEADERS
    leaked, environ, admin = probe(app, every)
    spoofing.attempt('all at once: app saw %s, environ %s, admin page %s' % (leaked, environ, admin),
                     held=not leaked and environ == baseline and admin == 302)

    spoofing.assert_all_held()
