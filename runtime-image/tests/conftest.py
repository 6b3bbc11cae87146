"""Shared helpers for the runtime package's unit tests: calling WSGI apps and building app.yaml handler entries.

Imported by the test modules (`from conftest import call_wsgi, make_environ, pipeline_for, url_map`); the
`request_logs` fixture is pytest's to hand out.
"""

import io
import json
import StringIO

import pytest

from google.appengine.api import appinfo


# The API server fixtures (`api_server`, `api`; `cloud_api`... against a Cloud Datastore emulator), for every test
# module that names them.
pytest_plugins = ['api_fixtures', 'cloud_datastore_fixtures']

class Response(object):
    """What a WSGI app answered: status line, header list, the whole body, and exc_info if it passed one."""

    def __init__(self, status, headers, body, exc_info):
        self.status = status
        self.headers = headers
        self.body = body
        self.exc_info = exc_info

    @property
    def code(self):
        return int(self.status.split(' ', 1)[0])

    def header(self, name):
        """The value of the one header called `name` (case-insensitive), None when absent."""
        values = self.all_headers(name)
        assert len(values) <= 1, 'header %s sent %d times' % (name, len(values))
        return values[0] if values else None

    def all_headers(self, name):
        return [value for key, value in self.headers if key.lower() == name.lower()]


def make_environ(path='/', method='GET', query='', body='', headers=None, **extra):
    """A WSGI environ for one request; `headers` maps HTTP header names to values."""
    environ = {
        'REQUEST_METHOD': method, 'PATH_INFO': path, 'QUERY_STRING': query, 'SERVER_NAME': 'localhost',
        'SERVER_PORT': '8080', 'SERVER_PROTOCOL': 'HTTP/1.1', 'REMOTE_ADDR': '203.0.113.9',
        'HTTP_HOST': 'example.com', 'wsgi.url_scheme': 'http', 'wsgi.input': io.BytesIO(body),
        'CONTENT_LENGTH': str(len(body)),
    }
    for name, value in (headers or {}).items():
        environ['HTTP_' + name.upper().replace('-', '_')] = value
    environ.update(extra)
    return environ


def call_wsgi(app, environ, *args):
    """Calls `app` like a server: collects the body, closes it, returns a Response."""
    started = []

    def start_response(status, headers, exc_info=None):
        started.append((status, list(headers), exc_info))

    body = app(environ, start_response, *args)
    try:
        content = ''.join(body)
    finally:
        if hasattr(body, 'close'):
            body.close()
    status, headers, exc_info = started[-1]
    return Response(status, headers, content, exc_info)


def pipeline_for(app, project='proj', local_environ=None, source=None, trusted=(), platform_steps=(),
                 blob_uploads=None, platform_paths=()):
    """The request pipeline pipeline/served_app.py assembles, around `app` in place of app.yaml's handlers: no user
    unless `source` says, no trusted proxy unless `trusted`, and an os.environ of its own unless `local_environ`."""
    from python_compat.pipeline import identity
    from python_compat.pipeline import trusted_proxy
    from python_compat.pipeline import request_environ
    from python_compat.pipeline import request_pipeline
    if local_environ is None:
        local_environ = request_environ.RequestLocalEnviron({})
    return request_pipeline.RequestPipeline(
        app, identity.UserKeys(source or identity.NoIdentity(), 'gmail.com'), trusted_proxy.TrustedProxy(list(trusted)),
        local_environ, project, platform_steps, blob_uploads, platform_paths)


def step_then(step, app):
    """A WSGI app running the platform step `step` (environ, start_response) -> body or None, then `app` when the
    step passes the request on: what the request pipeline does with it."""
    def serve(environ, start_response):
        body = step(environ, start_response)
        return app(environ, start_response) if body is None else body
    return serve


@pytest.fixture
def request_logs(monkeypatch):
    """The request log entries the runtime has written so far (json format), parsed."""
    from python_compat.logs import request_log
    stream = StringIO.StringIO()
    buffer = request_log.RequestLogBuffer(stream)
    monkeypatch.setattr(request_log._Output, 'request_log', buffer)
    monkeypatch.setattr(request_log._Output, 'log_format', 'json')

    def written():
        buffer.flush()
        return [json.loads(line) for line in stream.getvalue().splitlines()]
    return written


def url_map(**attributes):
    """An app.yaml handler entry, validated by the SDK; `http_headers` may be a plain dict."""
    if 'http_headers' in attributes:
        headers = appinfo.HttpHeadersDict()
        headers.update(attributes['http_headers'])
        attributes['http_headers'] = headers
    return appinfo.URLMap(**attributes)
