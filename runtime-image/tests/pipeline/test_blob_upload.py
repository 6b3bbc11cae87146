"""Blobstore uploads and downloads through a real API server: the upload layer stores the files there and
hands the app App Engine's rewritten request; the serving layer turns X-AppEngine-BlobKey into the blob."""

import hashlib
import json
import os
import urlparse

import pytest
import webapp2

from google.appengine.api import blobstore as blobstore_api
from google.appengine.ext import blobstore
from google.appengine.ext.webapp import blobstore_handlers

from api_fixtures import free_port
from conftest import call_wsgi, make_environ, pipeline_for
from python_compat.apiserver import services
from python_compat.apiserver.blobstore import upload_limits as api_server_limits
from python_compat.pipeline import blob_serving
from python_compat.pipeline import blob_upload
from python_compat.pipeline.blob_upload import BlobUploads
from python_compat.wire import blob_upload as blob_upload_wire

BOUNDARY = 'python-compat-test-boundary'


class UploadHandler(blobstore_handlers.BlobstoreUploadHandler):
    def post(self):
        self.response.headers['Content-Type'] = 'application/json'
        self.response.write(json.dumps({
            'path': self.request.path, 'query': self.request.query_string,
            'uploads': [{'key': str(info.key()), 'filename': info.filename, 'size': info.size,
                         'content_type': info.content_type} for info in self.get_uploads('file')],
            'file_infos': [{'filename': info.filename, 'size': info.size, 'md5_hash': info.md5_hash}
                           for info in self.get_file_infos('file')],
            'title': self.request.get('title'),
            'cookie': self.request.headers.get('Cookie'),
            'user': self.request.environ.get('USER_EMAIL'),
            'environ_path': os.environ.get('PATH_INFO'),
        }))


class ServeHandler(blobstore_handlers.BlobstoreDownloadHandler):
    def get(self, key):
        content_type = self.request.get('type') or None
        self.send_blob(key, content_type=content_type, use_range=True)

    head = get


APP = webapp2.WSGIApplication([('/done', UploadHandler), ('/serve/([^/]+)', ServeHandler)])


def multipart(fields, files):
    """(content type, body) of a form with `fields` {name: value} and `files` [(name, filename, type, bytes)]."""
    parts = []
    for name, value in sorted(fields.items()):
        parts.append('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (BOUNDARY, name, value))
    for name, filename, content_type, data in files:
        parts.append('--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\n'
                     'Content-Type: %s\r\n\r\n%s\r\n' % (BOUNDARY, name, filename, content_type, data))
    return 'multipart/form-data; boundary=' + BOUNDARY, ''.join(parts) + '--%s--\r\n' % BOUNDARY


def upload_path(success_path='/done', **limits):
    return urlparse.urlsplit(blobstore.create_upload_url(success_path, **limits)).path


def uploads_then(app, api_address):
    """What the request pipeline does with the blob upload step: uploads stored, their success path served by
    `app`; every other request straight to `app`."""
    uploads = BlobUploads(api_address)

    def serve(environ, start_response):
        if not environ['PATH_INFO'].startswith(blob_upload_wire.PATH_PREFIX):
            return app(environ, start_response)
        return uploads.serve(environ, start_response, lambda forwarded: app(forwarded, start_response))
    return serve


def post_upload(api_server, path, fields=None, files=(), app=APP, **extra):
    content_type, body = multipart(fields or {}, files)
    environ = make_environ(path, 'POST', body=body, CONTENT_TYPE=content_type, **extra)
    return call_wsgi(uploads_then(app, ('127.0.0.1', api_server.port)), environ)


def upload_one(api_server, data, content_type='application/octet-stream', filename='data.bin'):
    response = post_upload(api_server, upload_path(), files=[('file', filename, content_type, data)])
    assert response.code == 200, response.body
    return json.loads(response.body)['uploads'][0]['key']


def serve(key, query='', headers=None, method='GET'):
    environ = make_environ('/serve/' + key, method, query=query, headers=headers)
    return call_wsgi(pipeline_for(APP), environ)


def test_upload_reaches_the_success_path_with_blob_infos_of_its_files(api, api_server):
    data = os.urandom(3000)

    response = post_upload(api_server, upload_path(), {'title': 'holiday'},
                           [('file', 'photo.jpg', 'image/jpeg', data)])

    seen = json.loads(response.body)
    assert response.code == 200, response.body
    assert (seen['path'], seen['title']) == ('/done', 'holiday')
    [upload] = seen['uploads']
    assert (upload['filename'], upload['size'], upload['content_type']) == ('photo.jpg', 3000, 'image/jpeg')
    assert seen['file_infos'] == [{'filename': 'photo.jpg', 'size': 3000,
                                   'md5_hash': hashlib.md5(data).hexdigest()}]


def test_uploaded_file_is_stored_as_a_blob_with_its_bytes(api, api_server):
    data = os.urandom(5000)

    key = upload_one(api_server, data)

    assert blobstore.fetch_data(key, 0, len(data) - 1) == data
    assert blobstore.BlobInfo.get(key).size == len(data)


def test_success_path_query_string_reaches_the_app(api, api_server):
    response = post_upload(api_server, upload_path('/done?album=7'), files=[('file', 'a.txt', 'text/plain', 'a')])

    assert json.loads(response.body)['query'] == 'album=7'


def test_forwarded_request_keeps_the_users_cookies_and_identity(api, api_server):
    response = post_upload(api_server, upload_path(), files=[('file', 'a.txt', 'text/plain', 'a')],
                           HTTP_COOKIE='session=abc', USER_EMAIL='ann@example.com')

    seen = json.loads(response.body)
    assert (seen['cookie'], seen['user']) == ('session=abc', 'ann@example.com')


def test_app_sees_the_success_path_in_os_environ_under_the_request_environment(api, api_server):
    from python_compat.pipeline import request_environ
    uploads = BlobUploads(('127.0.0.1', api_server.port))
    pipeline = pipeline_for(APP, local_environ=request_environ.install(), blob_uploads=uploads)
    content_type, body = multipart({}, [('file', 'a.txt', 'text/plain', 'a')])

    response = call_wsgi(pipeline, make_environ(upload_path(), 'POST', body=body, CONTENT_TYPE=content_type))

    assert json.loads(response.body)['environ_path'] == '/done'


def test_upload_without_content_length_is_stored_all_the_same(api, api_server):
    content_type, body = multipart({}, [('file', 'a.bin', 'application/octet-stream', 'chunked body')])
    environ = make_environ(upload_path(), 'POST', body=body, CONTENT_TYPE=content_type)
    del environ['CONTENT_LENGTH']

    response = call_wsgi(uploads_then(APP, ('127.0.0.1', api_server.port)), environ)

    assert json.loads(response.body)['uploads'][0]['size'] == len('chunked body')


class ClientBody(object):
    """A client's request body: `prefix`, then `filler_size` zero bytes, then `suffix`; counts what was read."""

    def __init__(self, prefix='', filler_size=0, suffix=''):
        self.parts = [prefix, filler_size, suffix]
        self.size = len(prefix) + filler_size + len(suffix)
        self.bytes_read = 0

    def read(self, size=-1):
        size = self.size - self.bytes_read if size is None or size < 0 else min(size, self.size - self.bytes_read)
        data = []
        position, wanted = self.bytes_read, size
        for part in self.parts:
            length = part if isinstance(part, int) else len(part)
            if wanted and position < length:
                taken = min(wanted, length - position)
                data.append('\0' * taken if isinstance(part, int) else part[position:position + taken])
                wanted -= taken
                position += taken
            position -= length
        self.bytes_read += size
        return ''.join(data)


def post_stream(api_server, path, body, content_type='multipart/form-data; boundary=' + BOUNDARY, chunked=False):
    environ = make_environ(path, 'POST', CONTENT_TYPE=content_type)
    environ['wsgi.input'] = body
    if chunked:
        del environ['CONTENT_LENGTH']
    else:
        environ['CONTENT_LENGTH'] = str(body.size)
    return call_wsgi(uploads_then(APP, ('127.0.0.1', api_server.port)), environ)


def one_file_form(filler_size):
    """(prefix, suffix) of a form whose one file holds `filler_size` bytes between them."""
    prefix = ('--%s\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
              'Content-Type: application/octet-stream\r\n\r\n' % BOUNDARY)
    return ClientBody(prefix, filler_size, '\r\n--%s--\r\n' % BOUNDARY)


def blob_files(api_server):
    return sorted(os.path.join(directory, name) for directory, _, names in os.walk(
        os.path.join(api_server.storage_path, services.BLOBS_DIR)) for name in names)


def blob_infos():
    return blobstore.BlobInfo.all().count()


@pytest.mark.parametrize('chunked', [True, False], ids=['chunked', 'sized'])
def test_unknown_session_is_refused_before_a_byte_of_the_body_is_read(api, api_server, chunked):
    body = ClientBody(filler_size=50 << 20)

    response = post_stream(api_server, '/_ah/upload/' + blobstore.create_upload_url('/done').rsplit('/', 1)[1] + 'x',
                           body, chunked=chunked)

    assert (response.code, body.bytes_read) == (404, 0)
    assert response.header('Connection') == 'close'


def test_declared_length_over_the_sessions_limit_is_refused_unread(api, api_server):
    body = one_file_form(3 << 20)

    response = post_stream(api_server, upload_path(max_bytes_total=1000), body)

    assert (response.code, body.bytes_read) == (413, 0)


def test_chunked_body_over_the_sessions_limit_is_refused_once_it_passes_the_limit(api, api_server):
    files, infos = blob_files(api_server), blob_infos()
    body = one_file_form(30 << 20)
    limit = 1000 + api_server_limits.FORM_OVERHEAD_BYTES

    response = post_stream(api_server, upload_path(max_bytes_total=1000), body, chunked=True)

    assert response.code == 413
    assert body.bytes_read <= limit + blob_upload.CHUNK_BYTES
    assert (blob_files(api_server), blob_infos()) == (files, infos)


def test_file_over_max_bytes_per_blob_is_refused_while_it_is_received(api, api_server):
    body = one_file_form(30 << 20)

    response = post_stream(api_server, upload_path(max_bytes_per_blob=1000), body)

    assert response.code == 413
    assert body.bytes_read < 4 << 20


@pytest.mark.parametrize('content_type, body', [
    ('multipart/form-data', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--\r\n'),
    ('multipart/form-data; boundary=' + BOUNDARY, 'no boundary in here at all'),
    ('multipart/form-data; boundary=' + BOUNDARY,
     '--%s\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\ncut off' % BOUNDARY),
    ('multipart/form-data; boundary="' + 'b' * 300 + '"', '--' + 'b' * 300 + '--\r\n'),
], ids=['no-boundary-parameter', 'boundary-never-found', 'no-closing-boundary', 'boundary-too-long'])
def test_malformed_multipart_to_a_valid_session_is_a_bad_request(api, api_server, content_type, body):
    files, infos = blob_files(api_server), blob_infos()

    response = post_stream(api_server, upload_path(), ClientBody(body), content_type=content_type)

    assert response.code == 400, api_server.log()[-2500:]
    assert 'Traceback' not in response.body
    assert (blob_files(api_server), blob_infos()) == (files, infos)


@pytest.mark.parametrize('second_file', [
    ('other', 'two.bin', 'not a content type', 'y' * 2000),
    ('other', 'tw\xff.bin', 'application/octet-stream', 'y' * 2000),
], ids=['bad-content-type', 'filename-not-utf8'])
def test_upload_refused_after_its_first_file_was_stored_leaves_no_blob(api, api_server, second_file):
    files, infos = blob_files(api_server), blob_infos()

    response = post_upload(api_server, upload_path(), files=[('file', 'one.bin', 'text/plain', 'x' * 2000),
                                                             second_file], app=None)

    assert response.code == 400
    assert (blob_files(api_server), blob_infos()) == (files, infos)


def test_body_ending_before_its_length_stores_nothing(api, api_server):
    files, infos = blob_files(api_server), blob_infos()
    body = one_file_form(100000)
    environ = make_environ(upload_path(), 'POST', CONTENT_TYPE='multipart/form-data; boundary=' + BOUNDARY)
    environ['wsgi.input'], environ['CONTENT_LENGTH'] = body, str(body.size + 5000)

    response = call_wsgi(uploads_then(None, ('127.0.0.1', api_server.port)), environ)

    assert response.code == 400
    assert (blob_files(api_server), blob_infos()) == (files, infos)


def test_refused_upload_keeps_its_session_for_another_try(api, api_server):
    path = upload_path(max_bytes_per_blob=10)
    post_upload(api_server, path, files=[('file', 'big.bin', 'text/plain', 'x' * 11)], app=None)

    response = post_upload(api_server, path, files=[('file', 'small.bin', 'text/plain', 'x' * 10)])

    assert response.code == 200


def test_get_of_an_upload_url_is_not_an_upload(api, api_server):
    response = call_wsgi(uploads_then(None, ('127.0.0.1', api_server.port)), make_environ(upload_path()))

    assert (response.code, response.header('Allow')) == (405, 'POST')


def test_upload_urls_name_the_requests_scheme_and_host(api, api_server, monkeypatch):
    blob_upload.install_upload_url_hook()
    monkeypatch.setenv('HTTP_HOST', 'app.example.com:8443')
    monkeypatch.setenv('HTTPS', 'on')

    assert blobstore.create_upload_url('/done').startswith('https://app.example.com:8443/_ah/upload/')


def test_a_session_serves_one_upload_only(api, api_server):
    path = upload_path()
    post_upload(api_server, path, files=[('file', 'a.txt', 'text/plain', 'a')])

    response = post_upload(api_server, path, files=[('file', 'a.txt', 'text/plain', 'a')])

    assert response.code == 404


def test_unknown_session_is_not_found_without_calling_the_app(api, api_server):
    response = post_upload(api_server, '/_ah/upload/not-a-session', files=[('file', 'a', 'text/plain', 'a')],
                           app=None)

    assert response.code == 404
    assert 'Traceback' not in response.body


def test_file_over_max_bytes_per_blob_is_refused_as_too_large(api, api_server):
    response = post_upload(api_server, upload_path(max_bytes_per_blob=10),
                           files=[('file', 'big.bin', 'application/octet-stream', 'x' * 11)], app=None)

    assert response.code == 413


def test_files_over_max_bytes_total_are_refused_as_too_large(api, api_server):
    files = [('file', 'one.bin', 'application/octet-stream', 'x' * 8),
             ('other', 'two.bin', 'application/octet-stream', 'y' * 8)]

    response = post_upload(api_server, upload_path(max_bytes_total=10), files=files, app=None)

    assert response.code == 413


def test_unreachable_api_server_is_a_service_unavailable_without_traceback():
    content_type, body = multipart({}, [('file', 'a', 'text/plain', 'a')])
    environ = make_environ('/_ah/upload/session', 'POST', body=body, CONTENT_TYPE=content_type)

    response = call_wsgi(uploads_then(None, ('127.0.0.1', free_port())), environ)

    assert response.code == 503
    assert 'Traceback' not in response.body


def test_other_paths_go_straight_to_the_app():
    def app(environ, start_response):
        start_response('200 OK', [])
        return ['app']

    response = call_wsgi(uploads_then(app, ('127.0.0.1', free_port())), make_environ('/upload'))

    assert response.body == 'app'


def test_send_blob_serves_the_blob_with_its_content_type(api, api_server):
    data = os.urandom(4000)
    key = upload_one(api_server, data, 'image/png')

    response = serve(key)

    assert (response.code, response.body) == (200, data)
    assert response.header('Content-Type') == 'image/png'
    assert response.header('Content-Length') == '4000'
    assert not [name for name, _ in response.headers if name.lower().startswith('x-appengine-')]


def test_content_type_set_by_the_app_wins(api, api_server):
    key = upload_one(api_server, 'hello', 'application/octet-stream')

    assert serve(key, query='type=text/plain').header('Content-Type') == 'text/plain'


def test_range_request_is_served_as_partial_content(api, api_server):
    data = os.urandom(1000)
    key = upload_one(api_server, data)

    response = serve(key, headers={'Range': 'bytes=100-199'})

    assert (response.code, response.body) == (206, data[100:200])
    assert response.header('Content-Range') == 'bytes 100-199/1000'


def test_suffix_range_serves_the_last_bytes(api, api_server):
    data = os.urandom(1000)
    key = upload_one(api_server, data)

    assert serve(key, headers={'Range': 'bytes=-10'}).body == data[-10:]


def test_range_beyond_the_blob_is_not_satisfiable(api, api_server):
    key = upload_one(api_server, 'short')

    response = serve(key, headers={'Range': 'bytes=100-'})

    assert response.code == 416
    assert response.header('Content-Range') == 'bytes */5'


def test_unknown_blob_key_is_not_found(api):
    response = serve('no-such-blob')

    assert (response.code, response.body) == (404, '')


def test_head_sends_the_headers_only(api, api_server):
    key = upload_one(api_server, 'hello')

    response = serve(key, method='HEAD')

    assert (response.code, response.body, response.header('Content-Length')) == (200, '', '5')


def test_blob_larger_than_one_fetch_streams_in_fetch_sized_chunks(api, api_server):
    data = os.urandom(blobstore_api.MAX_BLOB_FETCH_SIZE + 1000)
    key = upload_one(api_server, data)

    chunks = list(blob_serving.blob_chunks(key, 0, len(data)))

    assert [len(chunk) for chunk in chunks] == [blobstore_api.MAX_BLOB_FETCH_SIZE, 1000]
    assert ''.join(chunks) == data


def test_responses_without_a_blob_key_pass_unchanged():
    def app(environ, start_response):
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return ['page']

    response = call_wsgi(pipeline_for(app), make_environ('/'))

    assert (response.body, response.headers) == ('page', [('Content-Type', 'text/plain')])


@pytest.mark.parametrize('status', ['302 Found', '500 Internal Server Error'])
def test_blob_key_on_a_non_200_response_is_a_server_error(status):
    def app(environ, start_response):
        start_response(status, [(blobstore.BLOB_KEY_HEADER, 'key')])
        return []

    response = call_wsgi(pipeline_for(app), make_environ('/'))

    assert response.code == 500
    assert response.header(blobstore.BLOB_KEY_HEADER) is None
