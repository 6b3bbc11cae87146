"""Blobstore uploads: a POST to a `blobstore.create_upload_url()` URL reaches the app as App Engine delivered it.

The upload sessions and the blob storage live in the API server, so the raw request goes there
(python_compat.apiserver.blobstore.upload_endpoint stores each file as a blob); its reply is the rewritten
request, which is then served by the app at the session's success path, as this same user.

No byte of the client's body is read before the API server has said the session exists and how large the body
may be (the smaller of UPLOAD_MAX_BYTES and what the session allows). The body is then streamed to the API
server as it arrives, chunked bodies included, and never spooled here. Refusals (unknown or used session 404,
too large 413, malformed 400, too many uploads at once 503) reach the client with the API server's status and
close the connection, so the rest of a refused body is not read either.

The API server names no request's host, so `create_upload_url()` answers are given the host and scheme of the
request that asked for them, as on App Engine.
"""

import httplib
import io
import logging
import os
import select
import socket
import urllib
import urlparse

from google.appengine.api import apiproxy_stub_map

from python_compat import responses
from python_compat.wire import api_signature
from python_compat.wire import blob_upload as wire

_log = logging.getLogger(__name__)
# Seconds any one read or write to the API server may take; a large upload is many of them.
API_SERVER_TIMEOUT = 120
CHUNK_BYTES = 1 << 16
# Headers of the original upload that describe a body the app no longer receives, as the SDK drops them.
_STALE_HEADERS = ('HTTP_CONTENT_LENGTH', 'HTTP_CONTENT_MD5', 'HTTP_CONTENT_TYPE')


class UploadRefused(Exception):
    """The upload cannot reach the app: the client gets the HTTP `status` (a number) and `text`, and its
    connection is closed (the rest of its body is not read)."""

    def __init__(self, status, text, headers=()):
        Exception.__init__(self, text)
        self.status = status
        self.text = text
        self.headers = list(headers)

    def respond(self, start_response):
        return responses.plain(start_response, self.status, self.text, self.headers + [('Connection', 'close')])


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
        if environ['REQUEST_METHOD'] != 'POST':
            raise UploadRefused(405, 'blobstore uploads are POST requests\n', [('Allow', 'POST')])
        try:
            limit = self._body_limit(environ['PATH_INFO'])
            length = _declared_length(environ)
            if length is not None and length > limit:
                raise UploadRefused(413, 'upload too large: more than %d bytes\n' % limit)
            status, headers, body = self._store(environ, length, limit)
        except (socket.error, httplib.HTTPException) as error:
            _log.error('blobstore upload: the API server at %s:%d did not answer: %s',
                       self.api_address[0], self.api_address[1], error)
            raise UploadRefused(503, 'blobstore upload failed, try again\n')
        success_path = headers.get(wire.SUCCESS_PATH_HEADER.lower())
        if status != 200 or success_path is None:
            raise self._refusal(status, body)
        return _forwarded_environ(environ, success_path, headers['content-type'], body)

    def _refusal(self, status, text):
        """The UploadRefused the client gets for the API server's answer `status` with `text`."""
        if status == 401:
            # Not the user's fault: this container does not sign with the API server's API_SERVER_SECRET.
            _log.error('blobstore upload: the API server at %s:%d refused it: %s (API_SERVER_SECRET)',
                       self.api_address[0], self.api_address[1], text.strip())
            return UploadRefused(503, 'blobstore upload failed, try again\n')
        return UploadRefused(status, _refusal_text(status, text))

    def _connection(self):
        return httplib.HTTPConnection(self.api_address[0], self.api_address[1], timeout=API_SERVER_TIMEOUT)

    def _signature(self, method, path, body=None):
        """The signature header of a request to the API server ([] when it authenticates no caller)."""
        if self.signer is None:
            return []
        return [(api_signature.HEADER, self.signer.header_value(method, path, '', body))]

    def _body_limit(self, path):
        """The most body bytes the session of `path` (PATH_INFO) takes; UploadRefused when it takes no upload."""
        connection = self._connection()
        try:
            connection.request('GET', _quoted(path), headers=dict(self._signature('GET', path, '')))
            response = connection.getresponse()
            text = response.read()
        finally:
            connection.close()
        limit = response.getheader(wire.MAX_BYTES_HEADER)
        if response.status != 200 or limit is None:
            raise self._refusal(response.status, text)
        return int(limit)

    def _store(self, environ, length, limit):
        """(status, {lower-case header: value}, body) of the API server's answer to this upload."""
        connection = self._connection()
        try:
            connection.putrequest('POST', _quoted(environ['PATH_INFO']), skip_accept_encoding=True)
            connection.putheader('Content-Type', environ.get('CONTENT_TYPE', ''))
            if length is None:
                connection.putheader('Transfer-Encoding', 'chunked')
            else:
                connection.putheader('Content-Length', str(length))
            # The file is streamed through, so its bytes are not signed: the session in the path is single-use.
            for name, value in self._signature('POST', environ['PATH_INFO']):
                connection.putheader(name, value)
            connection.endheaders()
            _stream_body(environ['wsgi.input'], connection, length, limit)
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


def _quoted(path):
    # Quoted again for the request line to the API server: gunicorn unquoted it, and the API server unquotes it
    # back, so the path it sees (and checks the signature of) is this one. The query names no part of the upload.
    return urllib.quote(path, safe='/')


def _declared_length(environ):
    """The body's Content-Length, None when it is chunked (gunicorn has checked the header)."""
    text = environ.get('CONTENT_LENGTH')
    return int(text) if text else None


def _stream_body(stream, connection, length, limit):
    """Sends the client's body to the API server as it is read: `length` bytes, or chunked when None.

    Stops early when the API server has answered already (it refused the upload part-way). UploadRefused when the
    body goes on past `limit` or ends before its length; the API server then sees an unfinished body and keeps
    nothing of it."""
    sent = 0
    while length is None or sent < length:
        if _has_answered(connection):
            return
        try:
            chunk = stream.read(CHUNK_BYTES if length is None else min(CHUNK_BYTES, length - sent))
        except IOError as error:
            # gunicorn's reader: the client went away, or sent chunked framing it cannot parse.
            raise UploadRefused(400, 'upload body unreadable: %s\n' % error)
        if not chunk:
            if length is not None:
                raise UploadRefused(400, 'upload body ended %d bytes before its Content-Length\n' % (length - sent))
            break
        sent += len(chunk)
        if sent > limit:
            raise UploadRefused(413, 'upload too large: more than %d bytes\n' % limit)
        connection.send(chunk if length is not None else '%x\r\n%s\r\n' % (len(chunk), chunk))
    if length is None:
        connection.send('0\r\n\r\n')


def _has_answered(connection):
    return bool(select.select([connection.sock], [], [], 0)[0])


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


def _refusal_text(status, api_server_text):
    """The API server's own one-line reason for a refusal; a generic line for anything unexpected."""
    if 400 <= status < 500 or status == 503:
        return api_server_text
    return 'blobstore upload failed\n'
