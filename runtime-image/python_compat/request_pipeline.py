"""Every request's way through the runtime, run by one object per request.

In order: the request log starts (clock, trace) -> the user, from the one configured source (identity.py)
-> the trusted proxy: client address and scheme, client-sent platform headers stripped, the runtime's own
requests run as admin (proxy.py) -> [platform paths only: health checks, development sign-in, blobstore
uploads, inbound mail guard] -> the request's own os.environ (request_environ.py) -> app.yaml's handlers
(dispatch.py), where a response naming a blob becomes the blob (blob_serving.py) -> once the server has sent
the body and closes it: the request's os.environ ends and the request log is written (logs.py).

These steps were one WSGI middleware layer each. A layer costs a call, a start_response wrapper and a body
wrapper on every request: together they took a third of a small app's throughput. Each module still owns
its step; this one runs them in order with one start_response and one body per request.
"""

import time

from python_compat import blob_serving
from python_compat import logs
from python_compat import request_environ

PLATFORM_PREFIX = '/_ah/'
# Where a platform-path request's ServedRequest waits while the platform layers run.
_REQUEST_KEY = 'python_compat.served_request'


class RequestPipeline(object):
    """The WSGI app the server calls.

    `platform_layers` is the WSGI app that answers the runtime's own paths, everything under /_ah/ and the
    exact `platform_paths` (health checks); it ends in app_after_platform_layers. Other requests never enter
    it.
    """

    def __init__(self, dispatcher, user_keys, trusted_proxy, local_environ, project, platform_layers=None,
                 platform_paths=()):
        self.dispatcher = dispatcher
        self.user_keys = user_keys
        self.trusted_proxy = trusted_proxy
        self.local_environ = local_environ
        self.project = project
        self.platform_layers = platform_layers or app_after_platform_layers
        self.platform_paths = frozenset(platform_paths)

    def __call__(self, environ, start_response):
        request = ServedRequest(self, environ, start_response)
        try:
            self.user_keys.apply(environ)
            self.trusted_proxy.apply(environ)
            path = environ.get('PATH_INFO') or ''
            if path[:5] == PLATFORM_PREFIX or path in self.platform_paths:
                environ[_REQUEST_KEY] = request
                try:
                    body = self.platform_layers(environ, request.start_response)
                finally:
                    environ.pop(_REQUEST_KEY, None)
            else:
                body = request.run_app(environ, request.start_response)
        except BaseException:
            request.close()
            raise
        return request.streaming(body)


def app_after_platform_layers(environ, start_response):
    """The app part of the pipeline, for the request the platform layers pass on (perhaps rewritten: a blob
    upload's success path)."""
    return environ.pop(_REQUEST_KEY).run_app(environ, start_response)


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
        self.trace = logs.begin_trace(pipeline.project, environ)
        self.status = 500
        self.size = 0
        self.body = None
        self.chunks = ()
        self.in_app = False
        self.blob_response = None

    def run_app(self, environ, start_response):
        """Runs app.yaml's handlers in the request's os.environ, which lasts until the body is closed.
        `start_response` is this request's own, or a platform layer's that ends in it."""
        self.pipeline.local_environ.begin_wsgi_request(environ)
        self.in_app = True
        if environ is not self.environ:
            # A platform layer rewrote the request; the request log still describes the one received.
            self.environ[request_environ.LOG_ID_KEY] = environ[request_environ.LOG_ID_KEY]
        body = self.pipeline.dispatcher(environ, start_response)
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
            logs.write_request_log(self.environ, self.status, self.size, self.started, self.trace)
