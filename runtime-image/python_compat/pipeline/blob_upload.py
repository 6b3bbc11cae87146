"""Blobstore uploads: a POST to a `blobstore.create_upload_url()` URL reaches the app as App Engine delivered it.

The upload sessions and the blob storage live in the API server, so the raw request goes there first
(python_compat.apiserver.blobstore.upload_endpoint stores each file as a blob); its reply is the rewritten
request, which is then served by the app at the session's success path, as this same user. Refusals
(unknown or used session 404, too large 413) reach the client with the API server's status.

The API server names no request's host, so `create_upload_url()` answers are given the host and scheme of the
request that asked for them, as on App Engine.
"""

import httplib
import io
import logging
import os
import shutil
import socket
import tempfile
import urlparse

from google.appengine.api import apiproxy_stub_map

from python_compat import responses
from python_compat.wire import api_signature
from python_compat.wire import blob_upload as wire

_log = logging.getLogger(__name__)
# Seconds any one read or write to the API server may take; a large upload is many of them.
API_SERVER_TIMEOUT = 120
CHUNK_BYTES = 1 << 16
SPOOL_IN_MEMORY_BYTES = 1 << 20
# Headers of the original upload that describe a body the app no longer receives, as the SDK drops them.
_STALE_HEADERS = ('HTTP_CONTENT_LENGTH', 'HTTP_CONTENT_MD5', 'HTTP_CONTENT_TYPE')


class UploadRefused(Exception):
    """The upload cannot reach the app: the client gets the HTTP `status` (a number) and `text`."""

    def __init__(self, status, text):
        Exception.__init__(self, text)
        self.status = status
        self.text = text

    def respond(self, start_response):
        return responses.plain(start_response, self.status, self.text)


class BlobUploads(object):
    """A platform step of the request pipeline: stores the files of a request under /_ah/upload/ via the API server
    at api_address, and gives back the request the app's success path is served with. signer: a
    wire.api_signature.Signer when the API server authenticates its callers, else None."""

    def __init__(self, api_address, signer=None):
        self.api_address = api_address
        self.signer = signer

    def serve(self, environ, start_response, serve_success_path):
        """Stores the upload of `environ`, then answers with serve_success_path(the rewritten request); a refused
        upload is answered here."""
        try:
            forwarded = self.forwarded_request(environ)
        except UploadRefused as refused:
            return refused.respond(start_response)
        return serve_success_path(forwarded)

    def forwarded_request(self, environ):
        """The upload rewritten as the POST to its success path; UploadRefused when it cannot be stored."""
        try:
            status, headers, body = self._store(environ)
        except (socket.error, httplib.HTTPException) as error:
            _log.error('blobstore upload: the API server at %s:%d did not answer: %s',
                       self.api_address[0], self.api_address[1], error)
            raise UploadRefused(503, 'blobstore upload failed, try again\n')
        success_path = headers.get(wire.SUCCESS_PATH_HEADER.lower())
        if status == 401:
            # Not the user's fault: this container does not sign with the API server's API_SERVER_SECRET.
            _log.error('blobstore upload: the API server at %s:%d refused it: %s (API_SERVER_SECRET)',
                       self.api_address[0], self.api_address[1], body.strip())
            raise UploadRefused(503, 'blobstore upload failed, try again\n')
        if status != 200 or success_path is None:
            raise UploadRefused(status, _refusal_text(status))
        return _forwarded_environ(environ, success_path, headers['content-type'], body)

    def _store(self, environ):
        """(status, {lower-case header: value}, body) of the API server's answer to this upload."""
        body, length = _request_body(environ)
        path = environ['PATH_INFO']
        if environ.get('QUERY_STRING'):
            path += '?' + environ['QUERY_STRING']
        connection = httplib.HTTPConnection(self.api_address[0], self.api_address[1],
                                            timeout=API_SERVER_TIMEOUT)
        try:
            connection.putrequest('POST', path, skip_accept_encoding=True)
            connection.putheader('Content-Type', environ.get('CONTENT_TYPE', ''))
            connection.putheader('Content-Length', str(length))
            if self.signer is not None:
                # The file is streamed through, so its bytes are not signed: the session in the path is single-use.
                connection.putheader(api_signature.HEADER, self.signer.header_value(
                    'POST', environ['PATH_INFO'], environ.get('QUERY_STRING', '')))
            connection.endheaders()
            _copy(body, connection, length)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()


def install_upload_url_hook():
    """Makes `create_upload_url()` answer URLs on the current request's scheme and host; call once at start-up,
    after the API client is installed."""
    apiproxy_stub_map.apiproxy.GetPostCallHooks().Append(
        'python_compat.blob_upload', _upload_url_on_this_requests_host, 'blobstore')


def _upload_url_on_this_requests_host(service, call, request, response):  # pylint: disable=unused-argument
    """Post-call hook of blobstore calls: CreateUploadURL's URL gets the current request's scheme and host."""
    host = os.environ.get('HTTP_HOST')
    if call != 'CreateUploadURL' or not host:
        return
    scheme = 'https' if os.environ.get('HTTPS') == 'on' else 'http'
    _, _, path, query, fragment = urlparse.urlsplit(response.url())
    response.set_url(urlparse.urlunsplit((scheme, host, path, query, fragment)))


def _request_body(environ):
    """(file, length) of the upload: the input itself when its length is known, else a spooled copy."""
    stream = environ['wsgi.input']
    try:
        length = int(environ.get('CONTENT_LENGTH') or '')
    except ValueError:
        length = None
    if length is not None and length >= 0:
        return stream, length
    spooled = tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY_BYTES)
    shutil.copyfileobj(stream, spooled, CHUNK_BYTES)
    length = spooled.tell()
    spooled.seek(0)
    return spooled, length


def _copy(stream, connection, length):
    remaining = length
    while remaining > 0:
        chunk = stream.read(min(CHUNK_BYTES, remaining))
        if not chunk:
            raise httplib.HTTPException('upload body ended %d bytes before its Content-Length' % remaining)
        connection.send(chunk)
        remaining -= len(chunk)


def _forwarded_environ(environ, success_path, content_type, body):
    """The upload's environ rewritten as a POST of `body` to success_path; the user and cookies stay."""
    forwarded = dict(environ)
    for key in _STALE_HEADERS:
        forwarded.pop(key, None)
    path, _, query = success_path.partition('?')
    forwarded.update({
        'REQUEST_METHOD': 'POST',
        'PATH_INFO': urlparse.unquote(path),
        'QUERY_STRING': query,
        'CONTENT_TYPE': content_type,
        'CONTENT_LENGTH': str(len(body)),
        'wsgi.input': io.BytesIO(body),
    })
    # gunicorn's raw request line, which some frameworks prefer to PATH_INFO.
    for key in ('RAW_URI', 'REQUEST_URI'):
        if key in forwarded:
            forwarded[key] = success_path
    return forwarded


def _refusal_text(status):
    if status == 404:
        return 'no such upload session (unknown, expired or already used)\n'
    if status == 413:
        return 'upload too large\n'
    return 'blobstore upload refused\n'
