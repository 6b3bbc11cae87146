"""`POST /_ah/upload/<session>` on the API server: stores an upload's files as blobs, where the blobs live.

The storing is the SDK's own (devappserver2's blob_upload.Application: upload session, limits, BlobInfo
entities, blob files, the rewritten form). Instead of calling the app, this endpoint answers with the
rewritten request, which the serving runtime (python_compat.blob_upload) then hands to the app:

    200, Content-Type: the rewritten multipart type, SUCCESS_PATH_HEADER: success path and query,
    body: the rewritten form (file parts replaced by `message/external-body; blob-key=...` parts)

An upload the SDK refuses gets the SDK's status (404 unknown session, 413 too large, 400 bad part).
"""

import logging
import os

from google.appengine.api import datastore
from google.appengine.api import datastore_errors
from google.appengine.tools.devappserver2 import blob_upload

from python_compat import responses
from python_compat.wire import blob_upload as wire

_log = logging.getLogger(__name__)
# The host the blobstore stub puts in upload URLs; the serving runtime replaces it with its request's host.
UPLOAD_URL_PLACEHOLDER_HOST = 'localhost'


def give_upload_urls_a_host():
    """Lets the blobstore stub build upload URLs: it takes their host from this process's environment (the
    SDK's local request info), which in a server shared by many apps names no request."""
    os.environ.setdefault('HTTP_HOST', UPLOAD_URL_PLACEHOLDER_HOST)


def _reply_with_forwarded_request(environ, start_response):
    """The SDK's forward_app: answers with the request the SDK would have given the app."""
    body = environ['wsgi.input'].read()
    success_path = environ['PATH_INFO']
    if environ.get('QUERY_STRING'):
        success_path += '?' + environ['QUERY_STRING']
    start_response('200 OK', [('Content-Type', environ['CONTENT_TYPE']), ('Content-Length', str(len(body))),
                              (wire.SUCCESS_PATH_HEADER, success_path)])
    return [body]


class BlobUploadEndpoint(object):
    """WSGI app for /_ah/upload/ requests; create it after the stubs are registered (it opens their storage)."""

    def __init__(self):
        self._uploads = blob_upload.Application(_reply_with_forwarded_request)

    def __call__(self, environ, start_response):
        # The query string belongs to the upload URL, not to the success path the SDK forwards to.
        environ['QUERY_STRING'] = ''
        if not _is_session_key(environ['PATH_INFO'][len(wire.PATH_PREFIX):]):
            # The SDK only expects sessions it made; anything else in the URL is as unknown as a used session.
            return responses.plain(start_response, 404, 'no such upload session\n')
        try:
            return self._uploads(environ, start_response)
        except Exception:  # pylint: disable=broad-except
            _log.exception('blobstore upload to %s failed', environ.get('PATH_INFO'))
            return responses.plain(start_response, 500, 'blobstore upload failed\n')


def _is_session_key(text):
    try:
        datastore.Key(text)
    except (datastore_errors.BadKeyError, datastore_errors.BadArgumentError):
        return False
    return True
