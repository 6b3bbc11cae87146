"""Requests the runtime itself sends to the app: warmup, cron, and push tasks from the API server.

They carry a token a client cannot know, so it cannot pass for the platform; the header is stripped before
the app sees it. The token is random per container, held only in memory of the server processes, unless
INTERNAL_REQUEST_SECRET sets it: then every container and an external API server (which sends push tasks)
share it. The variable is removed from os.environ once read, so the app cannot print it.
"""

import binascii
import hmac
import os

from python_compat.errors import StartupError

HEADER = 'X-Python-Compat-Internal'
WSGI_KEY = 'HTTP_X_PYTHON_COMPAT_INTERNAL'
ENVIRON_FLAG = 'python_compat.internal'
# What App Engine put in REMOTE_ADDR for its own traffic; the deferred builtin checks for it.
PLATFORM_REMOTE_ADDR = '0.1.0.2'

SECRET_VARIABLE = 'INTERNAL_REQUEST_SECRET'
MIN_SECRET_LENGTH = 32


def _token_from(environ):
    secret = environ.pop(SECRET_VARIABLE, '')
    if not secret:
        return binascii.hexlify(os.urandom(32)).decode('ascii'), False
    if len(secret) < MIN_SECRET_LENGTH:
        raise StartupError('environment', SECRET_VARIABLE,
                           'expected at least %d characters (e.g. `openssl rand -hex 32`), got %d'
                           % (MIN_SECRET_LENGTH, len(secret)))
    return secret, True


_token, _shared = _token_from(os.environ)


def is_shared_secret():
    """True when the token came from INTERNAL_REQUEST_SECRET (other containers know it), False when random."""
    return _shared


def token():
    return _token


def mark_if_internal(environ):
    """Sets the internal flag when the request carries the right token; always removes the header."""
    sent = environ.pop(WSGI_KEY, None)
    environ[ENVIRON_FLAG] = bool(sent) and hmac.compare_digest(str(sent), str(_token))
    if environ[ENVIRON_FLAG]:
        environ['REMOTE_ADDR'] = PLATFORM_REMOTE_ADDR
    return environ[ENVIRON_FLAG]
