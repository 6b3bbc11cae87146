"""Requests the runtime itself sends to the app: warmup, cron, and push tasks from the API server.

They carry a token a client cannot know, so it cannot pass for the platform; the header is stripped before
the app sees it. The token is random per container, held only in memory of the server processes, unless
INTERNAL_REQUEST_SECRET sets it (use_secret, at start-up): then every container and an external API server
(which sends push tasks) share it. The settings remove the variable from os.environ once read, so the app
cannot print it.
"""

import binascii
import hashlib
import hmac
import os

HEADER = 'X-Python-Compat-Internal'
WSGI_KEY = 'HTTP_X_PYTHON_COMPAT_INTERNAL'
ENVIRON_FLAG = 'python_compat.internal'
# What App Engine put in REMOTE_ADDR for its own traffic; the deferred builtin checks for it.
PLATFORM_REMOTE_ADDR = '0.1.0.2'


class _Token(object):
    """The token of this process: INTERNAL_REQUEST_SECRET when the operator set one, else random. A process that
    only checks tokens (the gunicorn workers, where the app runs) holds its sha256 alone."""
    value = binascii.hexlify(os.urandom(32)).decode('ascii')
    sha256 = hashlib.sha256(value).hexdigest()
    shared = False


def use_secret(secret):
    """Makes `secret` (INTERNAL_REQUEST_SECRET, already checked by the settings) the token; None keeps the random
    one. Call at start-up, before the token is sent or checked."""
    if secret:
        _Token.value, _Token.sha256, _Token.shared = secret, hashlib.sha256(secret).hexdigest(), True


def check_only(token_sha256):
    """This process checks tokens whose sha256 is `token_sha256` and can send none (it forgets its own)."""
    _Token.value, _Token.sha256 = None, token_sha256


def is_shared_secret():
    """True when the token came from INTERNAL_REQUEST_SECRET (other containers know it), False when random."""
    return _Token.shared


def token():
    """The token to send; only processes that send the runtime's own requests hold it."""
    if _Token.value is None:
        raise RuntimeError('this process only checks internal-request tokens; it cannot send one')
    return _Token.value


def token_sha256():
    return _Token.sha256


def mark_if_internal(environ):
    """Sets the internal flag when the request carries the right token; always removes the header."""
    sent = environ.pop(WSGI_KEY, None)
    environ[ENVIRON_FLAG] = bool(sent) and hmac.compare_digest(hashlib.sha256(str(sent)).hexdigest(),
                                                                 str(_Token.sha256))
    if environ[ENVIRON_FLAG]:
        environ['REMOTE_ADDR'] = PLATFORM_REMOTE_ADDR
    return environ[ENVIRON_FLAG]
