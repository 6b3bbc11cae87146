"""`/_ah/upload/<session>` on the API server: checks upload sessions and stores uploads, where the blobs live.

GET answers whether the session takes an upload and how large its body may be (wire/blob_upload.py); the serving
runtime asks before it reads a byte of the client's body. POST stores the upload: the session is looked up before
a byte of the body is read, the body is bounded (upload_limits.py), parsed (upload_form.py) and its files stored
by the SDK (upload_storage.py). The reply is the rewritten request, which the serving runtime
(pipeline/blob_upload.py) then hands to the app:

    200, Content-Type: the rewritten multipart type, SUCCESS_PATH_HEADER: success path and query,
    body: the rewritten form (file parts replaced by `message/external-body; blob-key=...` parts)

Refusals leave nothing behind (no blob file, no BlobInfo, no temporary file) and keep the session for another
try: 404 unknown or used session, 413 too large, 400 malformed form or body, 503 too many uploads in progress.
"""

import logging

from google.appengine.api import datastore
from google.appengine.api import datastore_errors

from python_compat import responses
from python_compat.apiserver.blobstore import upload_form
from python_compat.apiserver.blobstore import upload_limits
from python_compat.apiserver.blobstore import upload_storage
from python_compat.wire import blob_upload as wire

_log = logging.getLogger(__name__)
# The datastore kind of the blobstore stub's upload sessions.
SESSION_KIND = '__BlobUploadSession__'


class BlobUploadEndpoint(object):
    """WSGI app for /_ah/upload/ requests; create it after the stubs are registered (it opens their storage).

    upload_max_bytes: the largest body of one upload (UPLOAD_MAX_BYTES); in_flight_max_bytes: what the bodies of
    all uploads being received may hold together (UPLOADS_IN_FLIGHT_MAX_BYTES)."""

    def __init__(self, upload_max_bytes, in_flight_max_bytes):
        self.upload_max_bytes = upload_max_bytes
        self.budget = upload_limits.InFlightBudget(in_flight_max_bytes)

    def __call__(self, environ, start_response):
        try:
            return self._serve(environ, start_response)
        except upload_limits.Refused as refused:
            return responses.plain(start_response, refused.status, refused.text)
        except Exception:  # pylint: disable=broad-except
            _log.exception('blobstore upload to %s failed', environ.get('PATH_INFO'))
            return responses.plain(start_response, 500, 'blobstore upload failed\n')

    def _serve(self, environ, start_response):
        method = environ['REQUEST_METHOD']
        if method not in ('GET', 'POST'):
            return responses.plain(start_response, 405, 'use POST\n', [('Allow', 'POST')])
        session = _session(environ['PATH_INFO'][len(wire.PATH_PREFIX):])
        limit = upload_limits.body_limit(session.get('max_bytes_total'), self.upload_max_bytes)
        if method == 'GET':
            start_response('200 OK', [(wire.MAX_BYTES_HEADER, str(limit)), ('Content-Length', '0')])
            return []
        content_type, form_body = self._store(environ, session, limit)
        datastore.Delete(session)
        success_path = session['success_path'].encode('ascii')
        start_response('200 OK', [('Content-Type', content_type), ('Content-Length', str(len(form_body))),
                                  (wire.SUCCESS_PATH_HEADER, success_path)])
        return [form_body]

    def _store(self, environ, session, limit):
        """(content type, body) of the form the app receives; Refused with nothing kept when it cannot be."""
        length = _content_length(environ)
        if length is not None and length > limit:
            raise upload_limits.TooLarge('upload too large: more than %d bytes\n' % limit)
        if length is not None and not self.budget.can_hold(length):
            raise upload_limits.Busy('too many uploads in progress; try again shortly\n')
        body = upload_limits.BoundedBody(environ['wsgi.input'], limit, self.budget)
        form = None
        try:
            form = upload_form.UploadForm(body, environ, session.get('max_bytes_per_blob'))
            return upload_storage.store(form.fields, session)
        finally:
            if form is not None:
                form.close()
            body.close()


def _session(key):
    """The upload session entity named by the URL; Refused 404 unless it is one the blobstore stub made."""
    try:
        datastore_key = datastore.Key(key)
        if datastore_key.kind() == SESSION_KIND:
            return datastore.Get(datastore_key)
    except datastore_errors.Error:
        pass  # not a key, not this app's, or no such entity: all as unknown as a used session
    raise upload_limits.Refused('no such upload session (unknown, expired or already used)\n', 404)


def _content_length(environ):
    """The body's declared length, None when it is chunked."""
    text = environ.get('CONTENT_LENGTH')
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise upload_limits.Refused('bad Content-Length %r\n' % text)
