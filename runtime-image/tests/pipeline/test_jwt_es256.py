"""jwt_es256: IAP's ES256 JWT assertions are trusted only when signed by a configured key, for the configured
audience, from the IAP issuer and not expired. Keys are generated here: no network."""

import base64
import json
import time

import pytest
from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from python_compat.pipeline import jwt_es256

AUDIENCE = '/projects/123/apps/my-app'
NOW = 1700000000


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip('=')


def new_key():
    return ec.generate_private_key(ec.SECP256R1(), default_backend())


def jwk_set(*kid_keys):
    """A JWK set document (as IAP publishes) of (kid, private key) pairs' public halves."""
    keys = []
    for kid, key in kid_keys:
        numbers = key.public_key().public_numbers()
        keys.append({'kty': 'EC', 'crv': 'P-256', 'alg': 'ES256', 'use': 'sig', 'kid': kid,
                     'x': b64url(('%064x' % numbers.x).decode('hex')),
                     'y': b64url(('%064x' % numbers.y).decode('hex'))})
    return json.dumps({'keys': keys})


def iap_claims(**overrides):
    claims = {'aud': AUDIENCE, 'iss': jwt_es256.IAP_ISSUER, 'iat': NOW - 10, 'exp': NOW + 590,
              'sub': 'accounts.google.com:1234567890', 'email': 'alice@example.com'}
    claims.update(overrides)
    return claims


def signed_token(key, claims, kid='key-1', alg='ES256'):
    signing_input = '%s.%s' % (b64url(json.dumps({'alg': alg, 'kid': kid, 'typ': 'JWT'})),
                               b64url(json.dumps(claims)))
    r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
    return '%s.%s' % (signing_input, b64url(('%064x%064x' % (r, s)).decode('hex')))


@pytest.fixture(scope='module')
def key():
    return new_key()


@pytest.fixture(scope='module')
def keys(key):
    return jwt_es256.StaticKeys(jwt_es256.public_keys_from_jwk_set(jwk_set(('key-1', key))))


def verify(token, keys, now=NOW):
    return jwt_es256.verify(token, keys, AUDIENCE, now=now)


def test_valid_token_gives_its_claims(key, keys):
    assert verify(signed_token(key, iap_claims()), keys)['email'] == 'alice@example.com'


def test_token_signed_by_another_key_is_rejected(keys):
    with pytest.raises(jwt_es256.InvalidToken, match='bad signature'):
        verify(signed_token(new_key(), iap_claims()), keys)


def test_token_with_an_unknown_kid_is_rejected(key, keys):
    with pytest.raises(jwt_es256.InvalidToken, match='no public key'):
        verify(signed_token(key, iap_claims(), kid='other'), keys)


def test_tampered_payload_is_rejected(key, keys):
    header, _, signature = signed_token(key, iap_claims()).split('.')
    forged = b64url(json.dumps(iap_claims(email='mallory@example.com')))
    with pytest.raises(jwt_es256.InvalidToken, match='bad signature'):
        verify('.'.join((header, forged, signature)), keys)


def test_expired_token_is_rejected(key, keys):
    with pytest.raises(jwt_es256.InvalidToken, match='expired'):
        verify(signed_token(key, iap_claims(exp=NOW - jwt_es256.LEEWAY_SECONDS - 1)), keys)


def test_expiry_within_the_leeway_is_accepted(key, keys):
    assert verify(signed_token(key, iap_claims(exp=NOW - jwt_es256.LEEWAY_SECONDS + 5)), keys)


def test_token_issued_in_the_future_is_rejected(key, keys):
    with pytest.raises(jwt_es256.InvalidToken, match='future'):
        verify(signed_token(key, iap_claims(iat=NOW + jwt_es256.LEEWAY_SECONDS + 60)), keys)


@pytest.mark.parametrize('claim', ['exp', 'iat'])
def test_token_without_a_numeric_time_claim_is_rejected(key, keys, claim):
    with pytest.raises(jwt_es256.InvalidToken, match=claim):
        verify(signed_token(key, iap_claims(**{claim: 'soon'})), keys)


@pytest.mark.parametrize('audience', ['/projects/999/apps/other', None, [AUDIENCE]])
def test_token_for_another_audience_is_rejected(key, keys, audience):
    with pytest.raises(jwt_es256.InvalidToken, match='aud'):
        verify(signed_token(key, iap_claims(aud=audience)), keys)


def test_token_from_another_issuer_is_rejected(key, keys):
    with pytest.raises(jwt_es256.InvalidToken, match='iss'):
        verify(signed_token(key, iap_claims(iss='https://accounts.google.com')), keys)


@pytest.mark.parametrize('alg', ['none', 'HS256', 'RS256', 'ES384'])
def test_other_algorithms_are_rejected(key, keys, alg):
    with pytest.raises(jwt_es256.InvalidToken, match='alg'):
        verify(signed_token(key, iap_claims(), alg=alg), keys)


def test_unsigned_token_is_rejected(key, keys):
    header, payload, _ = signed_token(key, iap_claims()).split('.')
    with pytest.raises(jwt_es256.InvalidToken):
        verify('%s.%s.' % (header, payload), keys)


@pytest.mark.parametrize('token', ['', 'abc', 'a.b', 'a.b.c.d', '!!!.???.***'])
def test_malformed_tokens_are_rejected(keys, token):
    with pytest.raises(jwt_es256.InvalidToken):
        verify(token, keys)


def test_jwk_set_ignores_keys_that_cannot_sign_es256(key):
    document = json.loads(jwk_set(('ec', key)))
    document['keys'].append({'kty': 'RSA', 'kid': 'rsa', 'n': 'AQAB', 'e': 'AQAB'})

    assert list(jwt_es256.public_keys_from_jwk_set(json.dumps(document))) == ['ec']


@pytest.mark.parametrize('document', ['not json', '{}', '{"keys": []}', '[1, 2]'])
def test_malformed_jwk_sets_are_refused(document):
    with pytest.raises(ValueError):
        jwt_es256.public_keys_from_jwk_set(document)


def test_jwk_with_a_point_off_the_curve_is_refused():
    document = {'keys': [{'kty': 'EC', 'crv': 'P-256', 'kid': 'k', 'x': b64url('\x01' * 32),
                          'y': b64url('\x02' * 32)}]}
    with pytest.raises(ValueError, match="'k'"):
        jwt_es256.public_keys_from_jwk_set(json.dumps(document))


class FakeFetch(object):
    def __init__(self, *documents):
        self.documents = list(documents)
        self.urls = []

    def __call__(self, url):
        self.urls.append(url)
        document = self.documents.pop(0)
        if isinstance(document, Exception):
            raise document
        return document


def test_fetched_keys_are_fetched_once_then_cached(key):
    fetch = FakeFetch(jwk_set(('key-1', key)))
    keys = jwt_es256.FetchedKeys('https://keys.example/jwk', fetch, clock=lambda: NOW)

    assert verify(signed_token(key, iap_claims()), keys)
    assert verify(signed_token(key, iap_claims()), keys)
    assert fetch.urls == ['https://keys.example/jwk']


def test_fetched_keys_are_refetched_for_a_new_kid_after_a_minute(key):
    rotated = new_key()
    clock = [NOW]
    fetch = FakeFetch(jwk_set(('key-1', key)), jwk_set(('key-1', key), ('key-2', rotated)))
    keys = jwt_es256.FetchedKeys('https://keys.example/jwk', fetch, clock=lambda: clock[0])
    verify(signed_token(key, iap_claims()), keys)

    with pytest.raises(jwt_es256.InvalidToken):
        verify(signed_token(rotated, iap_claims(), kid='key-2'), keys)
    clock[0] += jwt_es256.UNKNOWN_KID_REFETCH_SECONDS + 1
    assert verify(signed_token(rotated, iap_claims(), kid='key-2'), keys)
    assert len(fetch.urls) == 2


def test_failed_refresh_keeps_the_last_good_keys(key):
    clock = [NOW]
    fetch = FakeFetch(jwk_set(('key-1', key)), IOError('unreachable'))
    keys = jwt_es256.FetchedKeys('https://keys.example/jwk', fetch, clock=lambda: clock[0])
    verify(signed_token(key, iap_claims()), keys)
    clock[0] += jwt_es256.KEYS_MAX_AGE_SECONDS + 1

    assert verify(signed_token(key, iap_claims()), keys)


def test_real_clock_is_used_by_default(key, keys):
    now = time.time()
    token = signed_token(key, iap_claims(iat=int(now), exp=int(now) + 600))

    assert jwt_es256.verify(token, keys, AUDIENCE)['sub'].endswith('1234567890')
