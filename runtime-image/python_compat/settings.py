"""The serving settings from the container's environment variables, validated once at start-up.

The other variables are read where they are used and validated the same way: cron (CRON_*), internal
requests (INTERNAL_REQUEST_SECRET), the API server's options (apiserver/config.py), the platform mapping
(platform_environ.py), gunicorn's own (WEB_CONCURRENCY is checked here, GUNICORN_CMD_ARGS in
gunicorn_settings.py). The README's table lists them all.
"""

import os
import socket

from python_compat.errors import StartupError
from python_compat import networks

LOG_FORMATS = ('json', 'text')
LOG_LEVELS = ('DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL')
IDENTITY_SOURCES = ('none', 'iap', 'proxy', 'dev-login')
FLAG_VALUES = {'': False, '0': False, 'false': False, 'off': False, 'no': False,
               '1': True, 'true': True, 'on': True, 'yes': True}
IAP_PUBLIC_KEYS_URL = 'https://www.gstatic.com/iap/verify/public_key-jwk'


class Settings(object):
    """What the operator configured through the environment (app.yaml is read separately)."""

    def __init__(self, environ):
        self.app_root = environ.get('APP_ROOT', '/app')
        self.port = _port(environ, 'PORT', '8080')
        # gunicorn itself reads WEB_CONCURRENCY with int() at import time: check it first.
        self.web_concurrency = _positive_int(environ, 'WEB_CONCURRENCY')
        self.log_format = _choice(environ, 'LOG_FORMAT', LOG_FORMATS, 'json')
        self.log_level = _choice(environ, 'LOG_LEVEL', LOG_LEVELS, 'DEBUG')
        self.trusted_proxies = _networks(environ, 'TRUSTED_PROXIES')
        self.health_path = environ.get('HEALTH_CHECK_PATH', '/_ah/health')
        # Identity (identity.py): one explicitly chosen source of signed-in users, none by default.
        self.identity_source = _choice(environ, 'IDENTITY_SOURCE', IDENTITY_SOURCES, 'none')
        self.iap_audience = environ.get('IAP_AUDIENCE') or None
        self.iap_jwks = environ.get('IAP_JWKS') or IAP_PUBLIC_KEYS_URL
        self.proxy_secret = environ.get('PROXY_SECRET') or None
        self.admin_emails = _emails(environ, 'ADMIN_EMAILS')
        _check_identity_source(self)
        # App Engine APIs: an external API server when API_HOST is set, else one embedded in this container.
        self.api_host = environ.get('API_HOST') or None
        self.api_port = _port(environ, 'API_PORT', '10001')
        self.api_storage_path = environ.get('API_STORAGE_PATH', '/var/lib/python-compat/api')
        self.ndb_debug = _flag(environ, 'NDB_DEBUG')
        # Platform variables of App Engine Flexible / second generation and Cloud Run, mapped onto the names
        # python27 apps read. Unset means "not on that platform".
        self.project = environ.get('GOOGLE_CLOUD_PROJECT') or environ.get('GCLOUD_PROJECT')
        self.gae_application = environ.get('GAE_APPLICATION')
        self.service = environ.get('GAE_SERVICE') or environ.get('K_SERVICE')
        self.version = environ.get('GAE_VERSION') or environ.get('K_REVISION')
        self.deployment_id = environ.get('GAE_DEPLOYMENT_ID')
        self.instance = environ.get('GAE_INSTANCE') or socket.gethostname()
        self.on_google_host = any(name in environ for name in ('GAE_INSTANCE', 'K_SERVICE', 'GAE_SERVICE'))
        self.server_software = environ.get('SERVER_SOFTWARE')


def _port(environ, name, default):
    value = environ.get(name, default)
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise StartupError('environment', name, "%r: expected a TCP port number 1-65535" % value)
    return int(value)


def _positive_int(environ, name):
    value = environ.get(name)
    if value is None or value == '':
        return None
    if not value.strip().isdigit() or int(value) < 1:
        raise StartupError('environment', name, '%r: expected a whole number of at least 1' % value)
    return int(value)


def _choice(environ, name, choices, default):
    value = environ.get(name, default)
    normalized = value.upper() if choices == LOG_LEVELS else value.lower()
    if normalized not in choices:
        raise StartupError('environment', name, '%r: expected one of %s' % (value, ', '.join(choices)))
    return normalized


def _flag(environ, name):
    value = environ.get(name, '')
    if value.lower() in FLAG_VALUES:
        return FLAG_VALUES[value.lower()]
    raise StartupError('environment', name, '%r: expected 1 or 0 (also true/false, on/off, yes/no)' % value)


def _networks(environ, name):
    value = environ.get(name, '')
    try:
        return networks.parse_network_list(value)
    except ValueError as error:
        raise StartupError('environment', name, '%s (expected comma-separated IPs or CIDR networks)' % error)


def _emails(environ, name):
    emails = frozenset(part.strip().lower() for part in environ.get(name, '').split(',') if part.strip())
    for email in emails:
        if '@' not in email:
            raise StartupError('environment', name, '%r: expected comma-separated email addresses' % email)
    return emails


def _check_identity_source(settings):
    if settings.identity_source == 'iap' and not settings.iap_audience:
        raise StartupError('environment', 'IAP_AUDIENCE', 'required with IDENTITY_SOURCE=iap: the `aud` of '
                           "your IAP JWTs, e.g. /projects/NUMBER/apps/PROJECT_ID")
    if settings.identity_source == 'proxy' and not (settings.trusted_proxies or settings.proxy_secret):
        raise StartupError('environment', 'IDENTITY_SOURCE', 'proxy: set TRUSTED_PROXIES and/or PROXY_SECRET '
                           'so that only your proxy can name the user')


def from_process_environment():
    return Settings(os.environ)
