"""Requests the runtime itself sends to the app (warmup now; task and cron dispatch build on it).

They carry a random token generated when the container starts, held only in memory of the server processes.
A client cannot know it, so it cannot pass for the platform; the header is stripped before the app sees it.
"""

import binascii
import hmac
import os

HEADER = 'X-Python-Compat-Internal'
WSGI_KEY = 'HTTP_X_PYTHON_COMPAT_INTERNAL'
ENVIRON_FLAG = 'python_compat.internal'
# What App Engine put in REMOTE_ADDR for its own traffic; the deferred builtin checks for it.
PLATFORM_REMOTE_ADDR = '0.1.0.2'

_token = binascii.hexlify(os.urandom(32)).decode('ascii')


def token():
    return _token


def mark_if_internal(environ):
    """Sets the internal flag when the request carries the right token; always removes the header."""
    sent = environ.pop(WSGI_KEY, None)
    environ[ENVIRON_FLAG] = bool(sent) and hmac.compare_digest(str(sent), str(_token))
    if environ[ENVIRON_FLAG]:
        environ['REMOTE_ADDR'] = PLATFORM_REMOTE_ADDR
    return environ[ENVIRON_FLAG]
