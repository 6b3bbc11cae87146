"""Only callers that know API_SERVER_SECRET reach the API server: every request but the health check must carry a
valid signature (wire/api_signature.py), or it is answered 401 without its body being read or run.

What this protects against, on a network where others can reach the API server's port: without the secret no
call runs (no task enqueued, no `deferred` pickle, no datastore read); a captured signature is refused when sent
again, when sent with another body, method or path, and after MAX_CLOCK_SKEW_SECONDS; the signature is compared
in constant time, and the secret itself never travels. What it does not: the traffic is not encrypted (whoever
can watch it reads the calls and replies), and replies are not signed (whoever can change packets in flight can
change what the app reads). Keep the API server on a private network, or add TLS around it.
"""

import cStringIO
import hashlib
import hmac
import ipaddress
import logging
import time

from python_compat.apiserver import replay_guard
from python_compat.wire import api_signature
from python_compat.wire import rpc_protocol

_log = logging.getLogger(__name__)
# Seconds between two log lines about refused calls: a flood of them must not flood the log.
REFUSAL_LOG_INTERVAL_SECONDS = 60
SCREENED_KEY = 'python_compat.api_signature.body_digest'


def is_loopback(host):
    """True when `host` (an --host value) is reachable from this machine only: localhost, 127.0.0.0/8 or ::1."""
    if host == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host.decode('ascii') if isinstance(host, bytes) else host).is_loopback
    except ValueError:
        return False


class CallerAuthentication(object):
    """Checks the signature header of requests against one secret."""

    def __init__(self, secret, clock=time.time, max_skew_seconds=api_signature.MAX_CLOCK_SKEW_SECONDS):
        self._signer = api_signature.Signer(secret)
        self._clock = clock
        self._max_skew = max_skew_seconds
        self._replays = replay_guard.ReplayGuard(max_skew_seconds)

    def check_head(self, environ):
        """(body digest, None) when the signature of `environ` is valid for its method, path and query and is seen
        for the first time (it is remembered); (None, why not) otherwise. The body is checked afterwards."""
        value = environ.get(api_signature.WSGI_KEY)
        if not value:
            return None, 'no %s header (API_SERVER_SECRET)' % api_signature.HEADER
        parts = value.split(' ')
        if len(parts) != 5 or parts[0] != api_signature.VERSION or not parts[1].isdigit():
            return None, 'malformed %s header' % api_signature.HEADER
        _, timestamp, nonce, digest, mac = parts
        now = self._clock()
        expected = self._signer.mac(timestamp, nonce, environ['REQUEST_METHOD'], environ.get('PATH_INFO', ''),
                                    environ.get('QUERY_STRING', ''), digest)
        if not hmac.compare_digest(expected, mac):
            return None, 'wrong signature (not the API_SERVER_SECRET of this server)'
        if abs(now - int(timestamp)) > self._max_skew:
            return None, 'signature %d s away from this server\'s clock (at most %d s)' % (
                now - int(timestamp), self._max_skew)
        if digest == api_signature.UNSIGNED_BODY and environ.get('PATH_INFO') == rpc_protocol.PATH:
            return None, 'an API call must sign its body'
        if not self._replays.first_time(int(timestamp), nonce, now):
            return None, 'signature already used (a replay)'
        return digest, None


class RequireSignedCalls(object):
    """WSGI middleware: `app` sees only requests signed with the secret, and the health check.

    `screen(environ)` lets the call fast path (apiserver/patches/) check the headers before it reads a body.
    """

    def __init__(self, app, authentication, open_paths, clock=time.time):
        self._app = app
        self._authentication = authentication
        self._open_paths = frozenset(open_paths)
        self._clock = clock
        self._refused_since_log = 0
        self._next_log = 0

    def screen(self, environ):
        """None when the request's headers are signed (the body is checked when the app is called), else the raw
        401 reply to send before closing the connection."""
        digest, refusal = self._authentication.check_head(environ)
        if refusal is not None:
            self._log_refusal(environ, refusal)
            body = _refusal_text(refusal)
            return 'HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain\r\nConnection: close\r\n' \
                   'Content-Length: %d\r\n\r\n%s' % (len(body), body)
        environ[SCREENED_KEY] = digest
        return None

    def __call__(self, environ, start_response):
        if environ.get('PATH_INFO') in self._open_paths and environ['REQUEST_METHOD'] in ('GET', 'HEAD'):
            return self._app(environ, start_response)
        digest = environ.pop(SCREENED_KEY, None)
        if digest is None:
            digest, refusal = self._authentication.check_head(environ)
            if refusal is not None:
                self._log_refusal(environ, refusal)
                return _refuse(start_response, refusal)
        if digest != api_signature.UNSIGNED_BODY and not _body_matches(environ, digest):
            self._log_refusal(environ, 'the body is not the one signed')
            return _refuse(start_response, 'the body is not the one signed')
        return self._app(environ, start_response)

    def _log_refusal(self, environ, refusal):
        self._refused_since_log += 1
        now = self._clock()
        if now >= self._next_log:
            _log.warning('refused %d unauthenticated request(s) since the last report; latest: %s %s from %s: %s',
                         self._refused_since_log, environ['REQUEST_METHOD'], environ.get('PATH_INFO'),
                         environ.get('REMOTE_ADDR', '?'), refusal)
            self._refused_since_log = 0
            self._next_log = now + REFUSAL_LOG_INTERVAL_SECONDS


def _body_matches(environ, digest):
    """Reads the body (its Content-Length), compares its SHA-256 with the signed one, and puts it back."""
    try:
        length = int(environ.get('CONTENT_LENGTH') or 0)
    except ValueError:
        return False
    body = environ['wsgi.input'].read(length) if length > 0 else ''
    environ['wsgi.input'] = cStringIO.StringIO(body)
    return hmac.compare_digest(hashlib.sha256(body).hexdigest(), digest)


def _refusal_text(refusal):
    return 'unauthenticated: %s\n' % refusal


def _refuse(start_response, refusal):
    body = _refusal_text(refusal)
    start_response('401 Unauthorized', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body))),
                                        ('Connection', 'close')])
    return [body]
