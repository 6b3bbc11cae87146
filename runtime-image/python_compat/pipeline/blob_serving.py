"""Blobstore downloads: a response carrying `X-AppEngine-BlobKey` (BlobstoreDownloadHandler.send_blob) is
replaced by the blob's bytes, as App Engine's front end did.

The bytes come through the blobstore API in fetches of at most MAX_BLOB_FETCH_SIZE, streamed one at a time,
so a large blob never sits in memory. `X-AppEngine-BlobRange` (send_blob's ranges) gives a 206; the app's
Content-Type wins over the blob's. No `X-AppEngine-*` header reaches the client. The request pipeline holds
such a response back and calls serve_blob inside the request's environment and API ticket: it makes API calls
while the body streams.
"""

import logging

_log = logging.getLogger(__name__)
# The SDK's blobstore.BLOB_KEY_HEADER (a unit test keeps them equal), named here so that looking for it on every
# response does not import the blobstore API, a tenth of the serving process's start-up, into apps without blobs.
BLOB_KEY_HEADER = 'X-AppEngine-BlobKey'
_HIDDEN_HEADER_PREFIX = 'x-appengine-'
# What send_blob sends when the blob's own content type should be used.
_AUTO_MIME_TYPE = 'application/vnd.google.appengine.auto'
_REPLACED_HEADERS = ('content-length', 'content-type', 'content-range')


def serve_blob(environ, start_response, status, headers):
    """Answers with the blob named by the app's response `status`, `headers` (which has_blob_key), in place
    of that response's body."""
    from google.appengine.ext import blobstore
    blob_key = _header(headers, BLOB_KEY_HEADER)
    kept = [(name, value) for name, value in headers
            if not name.lower().startswith(_HIDDEN_HEADER_PREFIX) and name.lower() not in _REPLACED_HEADERS]
    if not status.startswith('200'):
        _log.error('blob-serving response for %s has status %s, expected 200', blob_key, status)
        return _empty(start_response, '500 Internal Server Error', kept)
    info = blobstore.BlobInfo.get(blob_key)
    if info is None:
        _log.error('could not find blob with key %s', blob_key)
        return _empty(start_response, '404 Not Found', kept)
    content_type = _header(headers, 'Content-Type')
    if not content_type or content_type == _AUTO_MIME_TYPE:
        content_type = info.content_type.encode('utf-8')
    start, end, status = 0, info.size, '200 OK'
    range_header = _header(headers, blobstore.BLOB_RANGE_HEADER)
    if range_header:
        start, end = _satisfiable_range(range_header, info.size)
        if start is None:
            return _empty(start_response, '416 Requested Range Not Satisfiable',
                          kept + [('Content-Range', 'bytes */%d' % info.size)])
        status = '206 Partial Content'
        kept.append(('Content-Range', 'bytes %d-%d/%d' % (start, end - 1, info.size)))
    start_response(status, kept + [('Content-Type', content_type), ('Content-Length', str(end - start))])
    if environ.get('REQUEST_METHOD') == 'HEAD':
        return []
    return blob_chunks(blob_key, start, end)


def blob_chunks(blob_key, start, end):
    """Yields bytes [start, end) of the blob, one API fetch of at most MAX_BLOB_FETCH_SIZE at a time."""
    from google.appengine.api import blobstore as blobstore_api
    from google.appengine.ext import blobstore
    while start < end:
        last = min(start + blobstore_api.MAX_BLOB_FETCH_SIZE, end) - 1
        chunk = blobstore.fetch_data(blob_key, start, last)
        if not chunk:
            # The blob shrank (was deleted) while it streamed: the client sees a short body, not a hang.
            _log.error('blob %s ended at byte %d, expected %d', blob_key, start, end)
            return
        yield chunk
        start += len(chunk)


def _satisfiable_range(range_header, size):
    """[start, end) of `size` bytes that the `bytes=` range asks for, or (None, None) when unsatisfiable."""
    # The SDK's own parser of `bytes=` ranges, as dev_appserver applies X-AppEngine-BlobRange.
    from google.appengine.tools.devappserver2.blob_download import _parse_range_header
    start, end = _parse_range_header(range_header)
    if start is None:
        return None, None
    if start < 0:
        start = max(size + start, 0)
    elif start >= size:
        return None, None
    end = size if end is None else min(end, size)
    return start, end


_BLOB_KEY_HEADER = BLOB_KEY_HEADER.lower()


def has_blob_key(headers):
    """True when a response's headers name a blob to serve in its place."""
    # Runs on every response: the length test spares lower() on nearly every header.
    size = len(_BLOB_KEY_HEADER)
    for name, _ in headers:
        if len(name) == size and name.lower() == _BLOB_KEY_HEADER:
            return True
    return False


def _header(headers, name):
    name = name.lower()
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def discard(data):
    """The write callable of a response whose body is replaced."""


def _empty(start_response, status, headers):
    start_response(status, headers + [('Content-Length', '0')])
    return []
