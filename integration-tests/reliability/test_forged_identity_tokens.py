"""Forged identity tokens: with IDENTITY_SOURCE=iap, only a JWT that IAP's key signed for this app's audience signs
a user in. Every other token, forged in each way we know, leaves the request anonymous (or is refused 4xx), never a
500.
"""

import base64
import json
import time

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from reliability import figures

AUDIENCE = '/projects/424242/apps/reliability'
ISSUER = 'https://cloud.google.com/iap'
KID = 'iap-key'
# The order of the P-256 group: an ECDSA signature's r and s are below it.
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode('ascii')


def jwk(key):
    numbers = key.public_key().public_numbers()
    return {'kty': 'EC', 'crv': 'P-256', 'alg': 'ES256', 'use': 'sig', 'kid': KID,
            'x': b64url(numbers.x.to_bytes(32, 'big')), 'y': b64url(numbers.y.to_bytes(32, 'big'))}


def claims(**changes):
    now = int(time.time())
    values = {'aud': AUDIENCE, 'iss': ISSUER, 'iat': now - 5, 'exp': now + 600, 'sub': 'accounts.google.com:1001',
              'email': 'mallory@example.com'}
    values.update(changes)
    return dict((name, value) for name, value in values.items() if value is not None)


def segments(header, payload):
    encode = lambda part: part if isinstance(part, str) else b64url(json.dumps(part).encode())  # noqa: E731
    return '%s.%s' % (encode(header), encode(payload))


def es256(key, signing_input):
    r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))


def token(key, header=None, payload=None):
    signing_input = segments(header or {'alg': 'ES256', 'kid': KID, 'typ': 'JWT'},
                             payload if payload is not None else claims())
    return '%s.%s' % (signing_input, es256(key, signing_input))


def forgeries(iap_key, jwk_set):
    """{what was forged: the token} for every forgery the probe sends."""
    other_key = ec.generate_private_key(ec.SECP256R1())
    genuine = token(iap_key)
    head, body, signature = genuine.split('.')
    raw_signature = base64.urlsafe_b64decode(signature + '==')
    hs256_input = segments({'alg': 'HS256', 'kid': KID}, claims())
    mac = hmac.HMAC(json.dumps(jwk_set).encode(), hashes.SHA256())
    mac.update(hs256_input.encode())
    tampered_body = b64url(json.dumps(claims(email='boss@example.com')).encode())
    return {
        'signed by another key': token(other_key),
        'signed by another key, kid unknown': token(other_key, {'alg': 'ES256', 'kid': 'attacker'}),
        'no kid': token(other_key, {'alg': 'ES256'}),
        'alg none, no signature': segments({'alg': 'none', 'kid': KID}, claims()) + '.',
        'alg None spelled otherwise': segments({'alg': 'None', 'kid': KID}, claims()) + '.',
        'alg HS256 keyed with the public JWK set': '%s.%s' % (hs256_input, b64url(mac.finalize())),
        'alg RS256 header on an ES256 signature': token(iap_key, {'alg': 'RS256', 'kid': KID}),
        'alg ES384 header': token(iap_key, {'alg': 'ES384', 'kid': KID}),
        'expired an hour ago': token(iap_key, payload=claims(exp=int(time.time()) - 3600, iat=int(time.time()) - 7200)),
        'issued an hour from now': token(iap_key, payload=claims(iat=int(time.time()) + 3600)),
        'another app\'s audience': token(iap_key, payload=claims(aud='/projects/999/apps/someone-else')),
        'audience missing': token(iap_key, payload=claims(aud=None)),
        'another issuer': token(iap_key, payload=claims(iss='https://evil.example.com')),
        'no exp': token(iap_key, payload=claims(exp=None)),
        'exp as text': token(iap_key, payload=claims(exp='9999999999')),
        'no email': token(iap_key, payload=claims(email=None)),
        'email without @': token(iap_key, payload=claims(email='mallory')),
        'claims are a list': token(iap_key, payload=['mallory@example.com']),
        'payload swapped under a genuine signature': '%s.%s.%s' % (head, tampered_body, signature),
        'header swapped under a genuine signature': '%s.%s.%s' % (
            b64url(json.dumps({'alg': 'ES256', 'kid': KID, 'x': 1}).encode()), body, signature),
        'signature truncated': '%s.%s.%s' % (head, body, signature[:40]),
        'signature doubled': '%s.%s.%s' % (head, body, signature + signature),
        'signature r and s zero': '%s.%s.%s' % (head, body, b64url(b'\0' * 64)),
        'signature r and s the group order': '%s.%s.%s' % (head, body, b64url(P256_ORDER.to_bytes(32, 'big') * 2)),
        'signature in DER, not raw': '%s.%s.%s' % (head, body, b64url(
            iap_key.sign(('%s.%s' % (head, body)).encode(), ec.ECDSA(hashes.SHA256())))),
        'signature bytes flipped': '%s.%s.%s' % (head, body, b64url(bytes(b ^ 1 for b in raw_signature))),
        'two segments': '%s.%s' % (head, body),
        'four segments': genuine + '.' + signature,
        'not base64': '%s.%s.%s' % (head, '!!!not-base64!!!', signature),
        'payload not JSON': '%s.%s.%s' % (head, b64url(b'{not json'), signature),
        'empty': '',
        'dots only': '..',
        'bytes beyond ASCII': genuine[:-4] + '\u00e9\u00e9',
        'a 100 KB token': token(iap_key, payload=claims(padding='x' * 100000)),
    }


@pytest.fixture(scope='module')
def iap_key():
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope='module')
def jwk_set(iap_key):
    return {'keys': [jwk(iap_key)]}


@pytest.fixture(scope='module')
def app(app_image, start_app, jwk_set, tmp_path_factory):
    keys_dir = tmp_path_factory.mktemp('iap-keys')
    keys_dir.chmod(0o755)  # the app runs as an unprivileged user
    (keys_dir / 'jwk.json').write_text(json.dumps(jwk_set))
    (keys_dir / 'jwk.json').chmod(0o644)
    environment = {'IDENTITY_SOURCE': 'iap', 'IAP_AUDIENCE': AUDIENCE, 'IAP_JWKS': '/iap/jwk.json',
                   'ADMIN_EMAILS': 'mallory@example.com,boss@example.com'}
    with start_app(app_image('identity'), environment=environment,
                   volumes={str(keys_dir): {'bind': '/iap', 'mode': 'ro'}}) as running:
        yield running


def whoami(app, assertion):
    response = app.get('/whoami', headers={'X-Goog-IAP-JWT-Assertion': assertion.encode('utf-8')})
    return response.status_code, response.json() if response.status_code == 200 else None


def test_only_a_token_iap_signed_for_this_app_signs_anyone_in(app, iap_key, jwk_set):
    status, user = whoami(app, token(iap_key))
    assert (status, user['email']) == (200, 'mallory@example.com')  # the genuine token works
    forging = figures.category('forged identity tokens')

    for what, forged in sorted(forgeries(iap_key, jwk_set).items()):
        status, user = whoami(app, forged)
        anonymous = status == 200 and user['email'] is None and user['is_admin'] is False
        # A token too large for a header never gets as far as the identity check: gunicorn refuses it (400).
        forging.attempt('%s: %s %s' % (what, status, user and (user['email'], user['is_admin'])),
                        held=anonymous or 400 <= status < 500)

    forging.assert_all_held()
