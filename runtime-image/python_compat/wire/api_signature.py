"""Signed calls to the API server: a client proves it knows API_SERVER_SECRET without ever sending it.

Every request to the API server (but its health check) carries

    X-Python-Compat-Api-Signature: v1 TIMESTAMP NONCE BODY_SHA256 HMAC

TIMESTAMP is the client's Unix time in whole seconds, NONCE a random hex string, BODY_SHA256 the hex SHA-256 of the
request body (or `unsigned-body` for a blobstore upload, which is streamed), and HMAC the hex HMAC-SHA256, keyed
with the secret, of these lines joined by `\\n`:

    v1, TIMESTAMP, NONCE, METHOD, PATH, QUERY, BODY_SHA256

The API server accepts a signature once, within MAX_CLOCK_SKEW_SECONDS of its own clock, and only with the body it
signs. Python 3 clients (appengine-python-standard) compute the same; see docs/mail-and-auth.md.
"""

import binascii
import hashlib
import hmac
import os
import time

HEADER = 'X-Python-Compat-Api-Signature'
WSGI_KEY = 'HTTP_X_PYTHON_COMPAT_API_SIGNATURE'
VERSION = 'v1'
UNSIGNED_BODY = 'unsigned-body'
# How far a signature's time may be from the server's: clocks of containers on one host agree, NTP keeps hosts
# within milliseconds. It is also how long the server must remember a signature to refuse its replay.
MAX_CLOCK_SKEW_SECONDS = 30
NONCE_BYTES = 12


def signed_text(timestamp, nonce, method, path, query, body_digest):
    """What the HMAC covers."""
    return '\n'.join((VERSION, timestamp, nonce, method, path, query, body_digest))


class Signer(object):
    """Signs requests with one secret (API_SERVER_SECRET); the server verifies with the same class."""

    def __init__(self, secret):
        # Keyed once: each signature copies the keyed state instead of hashing the key again.
        self._keyed = hmac.new(secret, digestmod=hashlib.sha256)

    def mac(self, timestamp, nonce, method, path, query, body_digest):
        """The hex HMAC of one request's fields."""
        mac = self._keyed.copy()
        mac.update(signed_text(timestamp, nonce, method, path, query, body_digest))
        return mac.hexdigest()

    def header_value(self, method, path, query='', body=None, now=None):
        """The signature header of a request; `body` None signs no body (a streamed upload)."""
        timestamp = str(int(time.time() if now is None else now))
        nonce = binascii.hexlify(os.urandom(NONCE_BYTES))
        digest = UNSIGNED_BODY if body is None else hashlib.sha256(body).hexdigest()
        return ' '.join((VERSION, timestamp, nonce, digest, self.mac(timestamp, nonce, method, path, query, digest)))


def signer_for(secret):
    """A Signer for API_SERVER_SECRET, or None when it is unset (calls go unsigned, to a loopback server)."""
    return Signer(secret) if secret else None
