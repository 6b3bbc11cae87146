"""Signs the App Engine API calls of a Python 3 app (Google's appengine-python-standard SDK) for a python-compat API
server that authenticates its callers (API_SERVER_SECRET). Copy this file into your app and call `install()` once at
start-up, after `google.appengine.api.wrap_wsgi_app` (or whatever registers the SDK's API stub):

    import python_compat_api_signing
    python_compat_api_signing.install(os.environ['API_SERVER_SECRET'])

The SDK sends its calls through a urllib3 pool it owns and cannot be told to add a header; install() gives its stub a
pool that adds the signature header to each call (the format is in docs/mail-and-auth.md).
"""

import hashlib
import hmac
import os
import time

import urllib3
from google.appengine.api import apiproxy_stub_map
from google.appengine.runtime import default_api_stub

HEADER = 'X-Python-Compat-Api-Signature'


def signature(secret, method, path, query, body):
    """The header value signing one request with `secret` (bytes)."""
    timestamp, nonce = str(int(time.time())), os.urandom(12).hex()
    digest = hashlib.sha256(body or b'').hexdigest()
    text = '\n'.join(('v1', timestamp, nonce, method, path, query, digest)).encode()
    return ' '.join(('v1', timestamp, nonce, digest, hmac.new(secret, text, hashlib.sha256).hexdigest()))


class SigningPoolManager(urllib3.PoolManager):
    """A urllib3 pool manager that signs every request it sends."""

    def __init__(self, secret, **kwargs):
        super().__init__(**kwargs)
        self._secret = secret.encode() if isinstance(secret, str) else secret

    def urlopen(self, method, url, redirect=True, **kwargs):
        parsed = urllib3.util.parse_url(url)
        headers = dict(kwargs.get('headers') or {})
        headers[HEADER] = signature(self._secret, method, parsed.path or '/', parsed.query or '', kwargs.get('body'))
        kwargs['headers'] = headers
        return super().urlopen(method, url, redirect=redirect, **kwargs)


def install(secret):
    """Makes every App Engine API call of this process signed with `secret`; returns the new default stub."""
    stub = default_api_stub.DefaultApiStub()
    stub.http = SigningPoolManager(secret, num_pools=default_api_stub.URLLIB3_POOL_COUNT,
                                   maxsize=default_api_stub.URLLIB3_POOL_SIZE)
    apiproxy_stub_map.apiproxy.SetDefaultStub(stub)
    return stub
