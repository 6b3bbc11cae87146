"""Every request's way through the runtime: each step in order, here and nowhere else.

1. the request log starts: clock, trace (ServedRequest; logs/trace.py); a request with bytes no conforming client
   sends is answered 4xx right away (malformed_requests.py)
2. the user, from the one configured identity source (identity.py)
3. the runtime's own requests (warmup, cron, tasks: wire/internal_token.py) run as the platform's
   administrator (users.py); any other request's client address and scheme come from a trusted proxy only,
   and its client-sent platform headers are stripped (trusted_proxy.py)
4. platform paths only (/_ah/... and the health-check paths): the platform steps, in order: health checks
   (health.py), the development sign-in page (devlogin.py, IDENTITY_SOURCE=dev-login only), the inbound mail
   guard (inbound_mail.py); each answers the request itself or passes it on. Then a blobstore upload
   (/_ah/upload/...) is stored by the API server and becomes the POST of its success path (blob_upload.py)
5. the request's own os.environ (request_environ.py)
6. app.yaml's handlers (app/router.py); a response naming a blob becomes the blob (blob_serving.py)
7. once the server has sent the body and closes it: the request's os.environ ends and the request log is
   written (logs/request_log.py)

A WSGI middleware layer per step would cost a call, a start_response wrapper and a body wrapper on every
request: together they took a third of a small app's throughput. Each module owns its step; this one runs them
with one start_response and one body per request.
"""

import time

from python_compat.logs import request_log
from python_compat.logs import trace
from python_compat.pipeline import blob_serving
from python_compat.pipeline import malformed_requests
from python_compat.pipeline import users
from python_compat.wire import blob_upload as blob_upload_wire
from python_compat.wire import internal_token

PLATFORM_PREFIX = '/_ah/'


class RequestPipeline(object):
    """The WSGI app the server calls.

    router: app.yaml's handlers. platform_steps: callables (environ, start_response) -> a response body, or None
    to pass the request on; they see only platform paths, everything under /_ah/ and the exact
    `platform_paths` (health checks). blob_uploads: a blob_upload.BlobUploads, or None without uploads.
    """

    def __init__(self, router, user_keys, trusted_proxy, local_environ, project, platform_steps=(),
                 blob_uploads=None, platform_paths=()):
        self.router = router
        self.user_keys = user_keys
        self.trusted_proxy = trusted_proxy
        self.local_environ = local_environ
        self.project = project
        self.platform_steps = tuple(platform_steps)
        self.blob_uploads = blob_uploads
        self.platform_paths = frozenset(platform_paths)

    def __call__(self, environ, start_response):
        request = ServedRequest(self, environ, start_response)
        try:
            refused = malformed_requests.refuse(environ, request.start_response)
            if refused is not None:
                return request.streaming(refused)
            self.user_keys.apply(environ)
            if internal_token.mark_if_internal(environ):
                # Its X-AppEngine-* headers are the platform's, and it runs as an administrator.
                environ.update(users.PLATFORM_ADMIN)
            else:
                self.trusted_proxy.apply(environ)
            path = environ.get('PATH_INFO') or ''
            body = None
            if path[:5] == PLATFORM_PREFIX or path in self.platform_paths:
                body = self._platform_steps(environ, path, request)
            if body is None:
                body = request.run_app(environ)
        except BaseException:
            request.close()
            raise
        return request.streaming(body)

    def _platform_steps(self, environ, path, request):
        """The response of the first platform step that answers, else None: the app serves the request."""
        for step in self.platform_steps:
            body = step(environ, request.start_response)
            if body is not None:
                return body
        if self.blob_uploads is not None and path.startswith(blob_upload_wire.PATH_PREFIX):
            return self.blob_uploads.serve(environ, request.start_response, request.run_app)
        return None


class ServedRequest(object):
    """One request: what its log needs (start time, status, bytes sent, trace), whether its os.environ is
    active, and the body the server iterates and then closes."""

    __slots__ = ('pipeline', 'environ', 'server_start_response', 'started', 'trace', 'status', 'size', 'body',
                 'chunks', 'in_app', 'blob_response')

    def __init__(self, pipeline, environ, server_start_response):
        self.pipeline = pipeline
        self.environ = environ
        self.server_start_response = server_start_response
        self.started = time.time()
        self.trace = trace.begin_trace(pipeline.project, environ)
        self.status = 500
        self.size = 0
        self.body = None
        self.chunks = ()
        self.in_app = False
        self.blob_response = None

    def run_app(self, environ):
        """Runs app.yaml's handlers in the request's os.environ, which lasts until the body is closed. `environ`
        is the request's, or the one a platform step rewrote it into (a blob upload's success path)."""
        start_response = self.start_response
        self.pipeline.local_environ.begin_wsgi_request(environ)
        self.in_app = True
        if environ is not self.environ:
            # A platform step rewrote the request; the request log still describes the one received.
            self.environ[request_log.LOG_ID_KEY] = environ[request_log.LOG_ID_KEY]
        body = self.pipeline.router(environ, start_response)
        if self.blob_response is None:
            return body
        if hasattr(body, 'close'):
            body.close()
        status, headers = self.blob_response
        return blob_serving.serve_blob(environ, start_response, status, headers)

    def start_response(self, status, headers, exc_info=None):
        if self.in_app and exc_info is None and self.blob_response is None and blob_serving.has_blob_key(headers):
            # Held back: run_app answers with the blob instead, once the app has returned.
            self.blob_response = (status, headers)
            return blob_serving.discard
        self.status = int(status[:3])
        return self.server_start_response(status, headers, exc_info)

    def streaming(self, body):
        self.body = body
        if type(body) is list:
            # Most apps answer a list of strings: its size is known without counting as it streams.
            self.size = sum(map(len, body))
            self.chunks = body
        else:
            self.chunks = self._counted(body)
        return self

    def _counted(self, body):
        for chunk in body:
            self.size += len(chunk)
            yield chunk

    def __iter__(self):
        return iter(self.chunks)

    def close(self):
        """Called by the server after the last byte (or by the pipeline when it raises): closes the app's
        body, then ends the request's os.environ and writes the request log, even if that close failed."""
        try:
            if hasattr(self.body, 'close'):
                self.body.close()
        finally:
            if self.in_app:
                self.in_app = False
                self.pipeline.local_environ.end_request()
            request_log.write_request_log(self.environ, self.status, self.size, self.started, self.trace)
