"""Verifies the ES256-signed JWTs Identity-Aware Proxy puts in `X-Goog-IAP-JWT-Assertion`.

Only what IAP sends is accepted: alg ES256 on P-256 keys named by `kid` in a JWK set, the configured `aud`,
the IAP issuer, and `exp`/`iat` within a small leeway. Anything else is an InvalidToken with the reason.
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
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.backends import default_backend
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

IAP_ISSUER = 'https://cloud.google.com/iap'
# Clock skew tolerated between IAP and this container.
LEEWAY_SECONDS = 30
# How long fetched keys are used before being fetched again (IAP rotates them), and how often an unknown
# `kid` may trigger an early fetch.
KEYS_MAX_AGE_SECONDS = 3600
UNKNOWN_KID_REFETCH_SECONDS = 60

_log = logging.getLogger(__name__)


class InvalidToken(Exception):
    """The token must not be trusted; str() says why (for the log, never for the client)."""


def base64url_decode(text):
    text = str(text)
    return base64.urlsafe_b64decode(text + '=' * (-len(text) % 4))


def _json_segment(segment, what):
    try:
        value = json.loads(base64url_decode(segment).decode('utf-8'))
    except (TypeError, ValueError, UnicodeDecodeError):
        raise InvalidToken('the %s is not base64url JSON' % what)
    if not isinstance(value, dict):
        raise InvalidToken('the %s is not a JSON object' % what)
    return value


def public_keys_from_jwk_set(document):
    """{kid: public key} of the P-256 signing keys in a JWK set (JSON text); ValueError when malformed."""
    try:
        keys = json.loads(document)['keys']
    except (ValueError, KeyError, TypeError):
        raise ValueError('expected a JWK set: a JSON object with a "keys" list')
    public_keys = {}
    for jwk in keys:
        if not isinstance(jwk, dict) or jwk.get('kty') != 'EC' or jwk.get('crv') != 'P-256':
            continue  # other key types can never verify an ES256 signature
        try:
            x = int(base64url_decode(jwk['x']).encode('hex'), 16)
            y = int(base64url_decode(jwk['y']).encode('hex'), 16)
            key = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key(default_backend())
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError('key %r is not a valid P-256 public key (%s)' % (jwk.get('kid'), error))
        public_keys[str(jwk.get('kid', ''))] = key
    if not public_keys:
        raise ValueError('the JWK set holds no P-256 (ES256) key')
    return public_keys


class StaticKeys(object):
    """Keys read once, e.g. from a file."""

    def __init__(self, public_keys):
        self.public_keys = public_keys

    def key(self, kid):
        return self.public_keys.get(kid)


class FetchedKeys(object):
    """Keys fetched from a URL when first needed, refreshed when stale or when an unknown `kid` appears."""

    def __init__(self, url, fetch=None, clock=time.time):
        self.url = url
        self.fetch = fetch or _fetch_url
        self.clock = clock
        self.public_keys = {}
        self.fetched_at = None
        self.lock = threading.Lock()

    def key(self, kid):
        now = self.clock()
        stale = self.fetched_at is None or now - self.fetched_at > KEYS_MAX_AGE_SECONDS
        unknown = kid not in self.public_keys and (self.fetched_at is None
                                                   or now - self.fetched_at > UNKNOWN_KID_REFETCH_SECONDS)
        if stale or unknown:
            with self.lock:
                try:
                    self.public_keys = public_keys_from_jwk_set(self.fetch(self.url))
                    self.fetched_at = now
                except Exception as error:  # keep the last good keys; a later request retries
                    _log.warning('cannot fetch IAP public keys from %s: %s', self.url, error)
        return self.public_keys.get(kid)


def _fetch_url(url):
    import requests  # only for a URL key source; the image has it
    response = requests.get(url, timeout=10)
    response.raise_for_status()
    return response.text


def verify(token, keys, audience, issuer=IAP_ISSUER, now=None, leeway=LEEWAY_SECONDS):
    """The claims of `token` when it is a valid ES256 JWT for `audience` signed by one of `keys`.

    Raises InvalidToken otherwise. `keys` has a `key(kid)` method (StaticKeys or FetchedKeys).
    """
    parts = str(token or '').split('.')
    if len(parts) != 3:
        raise InvalidToken('not a JWS compact token')
    header = _json_segment(parts[0], 'header')
    if header.get('alg') != 'ES256':
        raise InvalidToken('alg %r is not ES256' % header.get('alg'))
    key = keys.key(str(header.get('kid', '')))
    if key is None:
        raise InvalidToken('no public key for kid %r' % header.get('kid'))
    try:
        signature = base64url_decode(parts[2])
    except TypeError:
        raise InvalidToken('the signature is not base64url')
    if len(signature) != 64:
        raise InvalidToken('the signature is not a 64-byte r||s pair')
    r = int(signature[:32].encode('hex'), 16)
    s = int(signature[32:].encode('hex'), 16)
    try:
        key.verify(encode_dss_signature(r, s), '%s.%s' % (parts[0], parts[1]), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise InvalidToken('bad signature')
    claims = _json_segment(parts[1], 'payload')
    check_claims(claims, audience, issuer, time.time() if now is None else now, leeway)
    return claims


def _number(claims, name):
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, long, float)):
        raise InvalidToken('claim %r is missing or not a number' % name)
    return value


def check_claims(claims, audience, issuer, now, leeway):
    if claims.get('aud') != audience:
        raise InvalidToken('aud %r is not the configured audience' % claims.get('aud'))
    if claims.get('iss') != issuer:
        raise InvalidToken('iss %r is not %s' % (claims.get('iss'), issuer))
    if _number(claims, 'exp') < now - leeway:
        raise InvalidToken('expired')
    if _number(claims, 'iat') > now + leeway:
        raise InvalidToken('issued in the future')
