"""The API server's HTTP face: `POST /rpc_http` carries remote_api calls, `POST /_ah/upload/...` stores a
blobstore upload (see blobstore/upload_endpoint.py), `GET /` answers health checks."""

import logging

from python_compat.wire import rpc_protocol
from python_compat import responses
from python_compat.apiserver import config
from python_compat.wire import blob_upload as blob_upload_wire

_log = logging.getLogger(__name__)
HEALTH_PATHS = ('/', '/_ah/health')
_DEADLINE_ENVIRON_KEY = 'HTTP_' + rpc_protocol.DEADLINE_HEADER.upper().replace('-', '_')


class ServiceBridgeApp(object):
    """WSGI app that hands each `/rpc_http` body to an ApiCallExecutor and replies with its remote_api Response.

    Every call the dispatcher answers is a 200, errors included (they are inside the Response); other
    statuses only mean the HTTP exchange itself was wrong, which clients report as an RPC failure.
    """

    def __init__(self, dispatcher, upload_max_bytes=None, uploads_in_flight_max_bytes=None):
        """The limits of blobstore uploads are ApiServerConfig's (its defaults when None)."""
        self._dispatcher = dispatcher
        self._upload_limits = (upload_max_bytes or config.DEFAULT_UPLOAD_MAX_BYTES,
                               uploads_in_flight_max_bytes or config.DEFAULT_UPLOADS_IN_FLIGHT_MAX_BYTES)
        self._blob_uploads = None

    def _blob_upload_endpoint(self):
        # Created on first use: it takes the registered blobstore stub's storage, and this app is also built
        # without stubs (a dispatcher is all /rpc_http needs).
        if self._blob_uploads is None:
            # Imported with the first upload: it loads the SDK's datastore and blobstore client modules.
            from python_compat.apiserver.blobstore import upload_endpoint
            self._blob_uploads = upload_endpoint.BlobUploadEndpoint(*self._upload_limits)
        return self._blob_uploads

    def __call__(self, environ, start_response):
        path, method = environ.get('PATH_INFO', ''), environ['REQUEST_METHOD']
        if path == rpc_protocol.PATH:
            if method != 'POST':
                return responses.plain(start_response, 405, 'use POST\n', [('Allow', 'POST')])
            return self._call(environ, start_response)
        if path.startswith(blob_upload_wire.PATH_PREFIX):
            return self._blob_upload_endpoint()(environ, start_response)
        if path in HEALTH_PATHS and method in ('GET', 'HEAD'):
            return responses.plain(start_response, 200, 'ok\n')
        return responses.plain(start_response, 404, 'not found\n')

    def _call(self, environ, start_response):
        try:
            length = int(environ.get('CONTENT_LENGTH') or 0)
            deadline = _deadline_seconds(environ.get(_DEADLINE_ENVIRON_KEY))
        except ValueError as error:
            return responses.plain(start_response, 400, 'bad request: %s\n' % error)
        body = environ['wsgi.input'].read(length)
        if len(body) != length:
            return responses.plain(start_response, 400, 'request body shorter than Content-Length\n')
        response = self._dispatcher.execute(body, deadline)
        start_response('200 OK', [('Content-Type', rpc_protocol.CONTENT_TYPE), ('Content-Length', str(len(response)))])
        return [response]


def _deadline_seconds(header_value):
    if not header_value:
        return None
    deadline = float(header_value)
    if deadline <= 0:
        raise ValueError('%s must be positive, got %r' % (rpc_protocol.DEADLINE_HEADER, header_value))
    return deadline
