"""iap_jwt: IAP's ES256 JWT assertions are trusted only when signed by a configured key, for the configured
audience, from the IAP issuer and not expired. Keys are generated here: no network. Tokens are signed here
without google-auth, so its verification is checked against an independent encoder."""

import base64
import json
import threading
import time

import pytest
from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from python_compat.pipeline import iap_jwt

AUDIENCE = '/projects/123/apps/my-app'
# A fixed time for the key cache's clock; token times are relative to the real clock google-auth reads.
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
    now = int(time.time())
    claims = {'aud': AUDIENCE, 'iss': iap_jwt.IAP_ISSUER, 'iat': now - 5, 'exp': now + 600,
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
    return iap_jwt.StaticKeys(iap_jwt.certs_from_jwk_set(jwk_set(('key-1', key))))


def verify(token, keys):
    return iap_jwt.verify(token, keys, AUDIENCE)


def test_valid_token_gives_its_claims(key, keys):
    assert verify(signed_token(key, iap_claims()), keys)['email'] == 'alice@example.com'


def test_token_signed_by_another_key_is_rejected(keys):
    with pytest.raises(iap_jwt.InvalidToken, match='signature'):
        verify(signed_token(new_key(), iap_claims()), keys)


def test_token_with_an_unknown_kid_is_rejected(key, keys):
    with pytest.raises(iap_jwt.InvalidToken, match='key id'):
        verify(signed_token(key, iap_claims(), kid='other'), keys)


def test_tampered_payload_is_rejected(key, keys):
    header, _, signature = signed_token(key, iap_claims()).split('.')
    forged = b64url(json.dumps(iap_claims(email='mallory@example.com')))
    with pytest.raises(iap_jwt.InvalidToken, match='signature'):
        verify('.'.join((header, forged, signature)), keys)


def test_expired_token_is_rejected(key, keys):
    now = int(time.time())
    with pytest.raises(iap_jwt.InvalidToken, match='expired'):
        verify(signed_token(key, iap_claims(exp=now - iap_jwt.CLOCK_SKEW_SECONDS - 1)), keys)


def test_expiry_within_the_clock_skew_is_accepted(key, keys):
    now = int(time.time())
    assert verify(signed_token(key, iap_claims(exp=now - iap_jwt.CLOCK_SKEW_SECONDS + 5)), keys)


def test_token_issued_in_the_future_is_rejected(key, keys):
    now = int(time.time())
    with pytest.raises(iap_jwt.InvalidToken, match='too early'):
        verify(signed_token(key, iap_claims(iat=now + iap_jwt.CLOCK_SKEW_SECONDS + 60)), keys)


@pytest.mark.parametrize('claim', ['exp', 'iat'])
def test_token_without_a_numeric_time_claim_is_rejected(key, keys, claim):
    with pytest.raises(iap_jwt.InvalidToken):
        verify(signed_token(key, iap_claims(**{claim: 'soon'})), keys)


@pytest.mark.parametrize('claim', ['exp', 'iat'])
def test_token_without_a_time_claim_is_rejected(key, keys, claim):
    claims = iap_claims()
    del claims[claim]
    with pytest.raises(iap_jwt.InvalidToken, match=claim):
        verify(signed_token(key, claims), keys)


@pytest.mark.parametrize('audience', ['/projects/999/apps/other', None, [AUDIENCE], '/projects/123', ''])
def test_token_for_another_audience_is_rejected(key, keys, audience):
    with pytest.raises(iap_jwt.InvalidToken, match='audience'):
        verify(signed_token(key, iap_claims(aud=audience)), keys)


def test_token_from_another_issuer_is_rejected(key, keys):
    with pytest.raises(iap_jwt.InvalidToken, match='iss'):
        verify(signed_token(key, iap_claims(iss='https://accounts.google.com')), keys)


@pytest.mark.parametrize('alg', ['none', 'HS256', 'RS256', 'ES384', None])
def test_other_algorithms_are_rejected(key, keys, alg):
    with pytest.raises(iap_jwt.InvalidToken, match='alg'):
        verify(signed_token(key, iap_claims(), alg=alg), keys)


def test_unsigned_token_is_rejected(key, keys):
    header, payload, _ = signed_token(key, iap_claims()).split('.')
    with pytest.raises(iap_jwt.InvalidToken):
        verify('%s.%s.' % (header, payload), keys)


@pytest.mark.parametrize('token', ['', 'abc', 'a.b', 'a.b.c.d', '!!!.???.***', b64url('[1]') + '.e30.c2ln',
                                   b64url('"ES256"') + '.e30.c2ln'])
def test_malformed_tokens_are_rejected(keys, token):
    with pytest.raises(iap_jwt.InvalidToken):
        verify(token, keys)


def test_jwk_set_becomes_pem_keys_google_auth_verifies_with(key):
    certs = iap_jwt.certs_from_jwk_set(jwk_set(('key-1', key)))

    assert certs['key-1'].startswith('-----BEGIN PUBLIC KEY-----')


def test_jwk_set_ignores_keys_that_cannot_sign_es256(key):
    document = json.loads(jwk_set(('ec', key)))
    document['keys'].append({'kty': 'RSA', 'kid': 'rsa', 'n': 'AQAB', 'e': 'AQAB'})

    assert list(iap_jwt.certs_from_jwk_set(json.dumps(document))) == ['ec']


@pytest.mark.parametrize('document', ['not json', '{}', '{"keys": []}', '[1, 2]'])
def test_malformed_jwk_sets_are_refused(document):
    with pytest.raises(ValueError):
        iap_jwt.certs_from_jwk_set(document)


def test_jwk_with_a_point_off_the_curve_is_refused():
    document = {'keys': [{'kty': 'EC', 'crv': 'P-256', 'kid': 'k', 'x': b64url('\x01' * 32),
                          'y': b64url('\x02' * 32)}]}
    with pytest.raises(ValueError, match="'k'"):
        iap_jwt.certs_from_jwk_set(json.dumps(document))


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
    keys = iap_jwt.FetchedKeys('https://keys.example/jwk', fetch, clock=lambda: NOW)

    assert verify(signed_token(key, iap_claims()), keys)
    assert verify(signed_token(key, iap_claims()), keys)
    assert fetch.urls == ['https://keys.example/jwk']


def test_fetched_keys_are_refetched_for_a_new_kid_after_a_minute(key):
    rotated = new_key()
    clock = [NOW]
    fetch = FakeFetch(jwk_set(('key-1', key)), jwk_set(('key-1', key), ('key-2', rotated)))
    keys = iap_jwt.FetchedKeys('https://keys.example/jwk', fetch, clock=lambda: clock[0])
    verify(signed_token(key, iap_claims()), keys)

    with pytest.raises(iap_jwt.InvalidToken):
        verify(signed_token(rotated, iap_claims(), kid='key-2'), keys)
    clock[0] += iap_jwt.UNKNOWN_KID_REFETCH_SECONDS + 1
    assert verify(signed_token(rotated, iap_claims(), kid='key-2'), keys)
    assert len(fetch.urls) == 2


def test_fetched_keys_are_refreshed_after_an_hour(key):
    rotated = new_key()
    clock = [NOW]
    fetch = FakeFetch(jwk_set(('key-1', key)), jwk_set(('key-1', rotated)))
    keys = iap_jwt.FetchedKeys('https://keys.example/jwk', fetch, clock=lambda: clock[0])
    verify(signed_token(key, iap_claims()), keys)
    clock[0] += iap_jwt.KEYS_MAX_AGE_SECONDS + 1

    assert verify(signed_token(rotated, iap_claims()), keys)
    with pytest.raises(iap_jwt.InvalidToken, match='signature'):
        verify(signed_token(key, iap_claims()), keys)


def test_failed_refresh_keeps_the_last_good_keys(key):
    clock = [NOW]
    fetch = FakeFetch(jwk_set(('key-1', key)), IOError('unreachable'))
    keys = iap_jwt.FetchedKeys('https://keys.example/jwk', fetch, clock=lambda: clock[0])
    verify(signed_token(key, iap_claims()), keys)
    clock[0] += iap_jwt.KEYS_MAX_AGE_SECONDS + 1

    assert verify(signed_token(key, iap_claims()), keys)
    assert len(fetch.urls) == 2


def test_failed_first_fetch_is_tried_again_by_a_later_request(key):
    clock = [NOW]
    fetch = FakeFetch(IOError('unreachable'), jwk_set(('key-1', key)))
    keys = iap_jwt.FetchedKeys('https://keys.example/jwk', fetch, clock=lambda: clock[0])
    with pytest.raises(iap_jwt.InvalidToken, match='key id'):
        verify(signed_token(key, iap_claims()), keys)
    clock[0] += 1

    assert verify(signed_token(key, iap_claims()), keys)


def test_requests_that_wait_for_a_fetch_use_its_keys_instead_of_fetching_again(key):
    fetching, release = threading.Event(), threading.Event()
    documents = [jwk_set(('key-1', key))]

    def slow_fetch(url):
        fetching.set()
        assert release.wait(10)
        return documents.pop(0)  # a second fetch would find nothing and fail

    keys = iap_jwt.FetchedKeys('https://keys.example/jwk', slow_fetch)
    first = threading.Thread(target=keys.certs, args=('key-1',))
    first.start()
    assert fetching.wait(10)
    waiting = []
    second = threading.Thread(target=lambda: waiting.append(keys.certs('key-1')))
    second.start()
    time.sleep(0.05)  # the second request is now waiting for the lock
    release.set()
    first.join(10)
    second.join(10)

    assert list(waiting[0]) == ['key-1']
    assert documents == []
