"""Signatures of calls to the API server: what they cover and what they look like on the wire."""

import hashlib

from python_compat.wire import api_signature

SECRET = 's' * 40


def _fields(header_value):
    version, timestamp, nonce, digest, mac = header_value.split(' ')
    return version, timestamp, nonce, digest, mac


def test_header_carries_version_time_nonce_body_digest_and_hmac():
    version, timestamp, nonce, digest, mac = _fields(
        api_signature.Signer(SECRET).header_value('POST', '/rpc_http', '', 'body', now=1700000000.7))

    assert (version, timestamp, digest) == ('v1', '1700000000', hashlib.sha256('body').hexdigest())
    assert len(nonce) == 2 * api_signature.NONCE_BYTES
    assert len(mac) == 64


def test_hmac_is_that_of_the_documented_text():
    import hmac
    _, timestamp, nonce, digest, mac = _fields(api_signature.Signer(SECRET).header_value('POST', '/p', 'q=1', 'b'))
    text = '\n'.join(('v1', timestamp, nonce, 'POST', '/p', 'q=1', digest))

    assert mac == hmac.new(SECRET, text, hashlib.sha256).hexdigest()


def test_every_signature_has_a_fresh_nonce():
    signer = api_signature.Signer(SECRET)
    nonces = set(_fields(signer.header_value('POST', '/rpc_http', '', 'x'))[2] for _ in range(100))

    assert len(nonces) == 100


def test_a_streamed_body_is_marked_unsigned():
    digest = _fields(api_signature.Signer(SECRET).header_value('POST', '/_ah/upload/k'))[3]

    assert digest == api_signature.UNSIGNED_BODY


def test_no_secret_means_no_signer():
    assert api_signature.signer_for(None) is None
    assert isinstance(api_signature.signer_for(SECRET), api_signature.Signer)
