"""Verifies the JWT Identity-Aware Proxy puts in `X-Goog-IAP-JWT-Assertion`, with google-auth.

google-auth (the library Google documents for verifying IAP tokens) parses the token and checks its ES256
signature, `exp` and `iat` (with its fixed clock skew) and `aud`. Added here, because google-auth does not do
it: only ES256 is accepted (google-auth would also try RS256), the issuer must be IAP's, and IAP's keys are
converted from the JWK set IAP publishes to the PEM keys google-auth takes, then cached and refreshed
(google-auth's own `id_token.verify_token` fetches the keys on every call).
"""

import base64
import json
import logging
import threading
import time
import warnings

with warnings.catch_warnings():
    # cryptography 3.3 (its last Python 2 release) warns on import that Python 2 is deprecated: we know.
    warnings.simplefilter('ignore')
    from cryptography import utils as cryptography_utils
    from cryptography.hazmat.backends import default_backend
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from google.auth import jwt

IAP_ISSUER = 'https://cloud.google.com/iap'
# The clock skew google-auth 1.35 (its last release for Python 2.7) tolerates on `iat` and `exp`; it takes no
# argument to change it. Stated here so a test notices when a new pin changes it.
CLOCK_SKEW_SECONDS = 10
# How long fetched keys are used before being fetched again (IAP rotates them), and how often an unknown
# `kid` may trigger an early fetch.
KEYS_MAX_AGE_SECONDS = 3600
UNKNOWN_KID_REFETCH_SECONDS = 60
FETCH_TIMEOUT_SECONDS = 10

_log = logging.getLogger(__name__)


class InvalidToken(Exception):
    """The token must not be trusted; str() says why (for the log, never for the client)."""


def verify(token, keys, audience):
    """The claims of `token` when it is an ES256 JWT from IAP for `audience`, signed by one of `keys` and
    within its validity time. Raises InvalidToken otherwise. `keys` has a `certs(kid)` method (StaticKeys or
    FetchedKeys)."""
    try:
        header = jwt.decode_header(token)
        if not isinstance(header, dict):
            raise InvalidToken('the header is not a JSON object')
        if header.get('alg') != 'ES256':
            raise InvalidToken('alg %r is not ES256' % (header.get('alg'),))
        # A list, so google-auth compares the whole `aud` (given a unicode string it would test a substring).
        claims = jwt.decode(token, certs=keys.certs(header.get('kid')), audience=[audience])
    except (ValueError, TypeError) as error:
        # google-auth raises ValueError for each check that fails; TypeError escapes it for malformed base64 and
        # for time claims that are not numbers.
        raise InvalidToken(str(error))
    if claims.get('iss') != IAP_ISSUER:
        raise InvalidToken('iss %r is not %s' % (claims.get('iss'), IAP_ISSUER))
    return claims


def _coordinate(jwk, name):
    text = str(jwk[name])
    return cryptography_utils.int_from_bytes(base64.urlsafe_b64decode(text + '=' * (-len(text) % 4)), 'big')


def certs_from_jwk_set(document):
    """{kid: PEM public key} of the P-256 signing keys in a JWK set (JSON text); ValueError when malformed."""
    try:
        keys = json.loads(document)['keys']
    except (ValueError, KeyError, TypeError):
        raise ValueError('expected a JWK set: a JSON object with a "keys" list')
    certs = {}
    for jwk in keys:
        if not isinstance(jwk, dict) or jwk.get('kty') != 'EC' or jwk.get('crv') != 'P-256':
            continue  # other key types can never verify an ES256 signature
        try:
            numbers = ec.EllipticCurvePublicNumbers(_coordinate(jwk, 'x'), _coordinate(jwk, 'y'), ec.SECP256R1())
            key = numbers.public_key(default_backend())
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError('key %r is not a valid P-256 public key (%s)' % (jwk.get('kid'), error))
        certs[str(jwk.get('kid', ''))] = key.public_bytes(serialization.Encoding.PEM,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    if not certs:
        raise ValueError('the JWK set holds no P-256 (ES256) key')
    return certs


class StaticKeys(object):
    """Keys read once, e.g. from a file."""

    def __init__(self, certs):
        self.current = certs

    def certs(self, kid):  # pylint: disable=unused-argument
        return self.current


class FetchedKeys(object):
    """Keys fetched from a URL when first needed, refreshed when stale or when an unknown `kid` appears (at
    most once a minute). A failed fetch keeps the last good keys; a later request tries again."""

    def __init__(self, url, fetch=None, clock=time.time):
        self.url = url
        self.fetch = fetch or _fetch_url
        self.clock = clock
        self.current = {}
        self.fetched_at = None
        self.attempted_at = None
        self.lock = threading.Lock()

    def certs(self, kid):
        if self._wants_fetch(kid):
            asked_at = self.clock()
            with self.lock:
                # Requests that waited here while another one fetched use its outcome instead of fetching again.
                if self.attempted_at is None or self.attempted_at < asked_at:
                    self._fetch()
        return self.current

    def _wants_fetch(self, kid):
        now = self.clock()
        if self.fetched_at is None or now - self.fetched_at > KEYS_MAX_AGE_SECONDS:
            return True
        return kid not in self.current and now - self.fetched_at > UNKNOWN_KID_REFETCH_SECONDS

    def _fetch(self):
        try:
            self.current = certs_from_jwk_set(self.fetch(self.url))
            self.fetched_at = self.clock()
        except Exception as error:  # pylint: disable=broad-except
            _log.warning('cannot fetch IAP public keys from %s: %s', self.url, error)
        self.attempted_at = self.clock()


def _fetch_url(url):
    """The document at `url`, through requests: on gevent's patched sockets the wait lets other requests run."""
    import requests  # only for a URL key source; the image has it
    response = requests.get(url, timeout=FETCH_TIMEOUT_SECONDS)
    response.raise_for_status()
    return response.text
