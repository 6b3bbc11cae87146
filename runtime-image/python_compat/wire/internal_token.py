"""Requests the runtime itself sends to the app: warmup, cron, and push tasks from the API server.

They carry a token a client cannot know, so it cannot pass for the platform; the header is stripped before
the app sees it. The token is random per container, held only in memory of the server processes, unless
INTERNAL_REQUEST_SECRET sets it (use_secret, at start-up): then every container and an external API server
(which sends push tasks) share it. The settings remove the variable from os.environ once read, so the app
cannot print it.
"""

import binascii
import hmac
import os

HEADER = 'X-Python-Compat-Internal'
WSGI_KEY = 'HTTP_X_PYTHON_COMPAT_INTERNAL'
ENVIRON_FLAG = 'python_compat.internal'
# What App Engine put in REMOTE_ADDR for its own traffic; the deferred builtin checks for it.
PLATFORM_REMOTE_ADDR = '0.1.0.2'


class _Token(object):
    """The token of this process: INTERNAL_REQUEST_SECRET when the operator set one, else random."""
    value = binascii.hexlify(os.urandom(32)).decode('ascii')
    shared = False


def use_secret(secret):
    """Makes `secret` (INTERNAL_REQUEST_SECRET, already checked by the settings) the token; None keeps the random
    one. Call at start-up, before the token is sent or checked."""
    if secret:
        _Token.value, _Token.shared = secret, True


def is_shared_secret():
    """True when the token came from INTERNAL_REQUEST_SECRET (other containers know it), False when random."""
    return _Token.shared


def token():
    return _Token.value


def mark_if_internal(environ):
    """Sets the internal flag when the request carries the right token; always removes the header."""
    sent = environ.pop(WSGI_KEY, None)
    environ[ENVIRON_FLAG] = bool(sent) and hmac.compare_digest(str(sent), str(_Token.value))
    if environ[ENVIRON_FLAG]:
        environ['REMOTE_ADDR'] = PLATFORM_REMOTE_ADDR
    return environ[ENVIRON_FLAG]
