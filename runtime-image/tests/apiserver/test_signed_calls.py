"""A real API server with API_SERVER_SECRET: the client's signed calls work, every other request is refused."""

import contextlib
import socket
import time
import urlparse

import pytest

from google.appengine.api import apiproxy_stub_map
from google.appengine.api import datastore
from google.appengine.api import memcache
from google.appengine.ext import blobstore
from google.appengine.runtime import apiproxy_errors

from api_fixtures import APPLICATION_ID, ApiServerProcess
from conftest import call_wsgi, make_environ
from python_compat import apiclient
from python_compat.pipeline.blob_upload import BlobUploads
from python_compat.wire import api_signature

SECRET = 'k' * 48


@pytest.fixture(scope='module')
def signed_server(tmp_path_factory):
    directory = tmp_path_factory.mktemp('signed')
    server = ApiServerProcess(directory / 'storage', directory / 'apiserver.log',
                              environment={'API_SERVER_SECRET': SECRET}).start()
    yield server
    server.stop()


@contextlib.contextmanager
def client(server, secret, monkeypatch):
    monkeypatch.setenv('APPLICATION_ID', APPLICATION_ID)
    previous = apiproxy_stub_map.apiproxy
    stub = apiclient.install('127.0.0.1', server.port, secret)
    try:
        yield
    finally:
        stub.channel.close()
        apiproxy_stub_map.apiproxy = previous


def test_signed_calls_are_served(signed_server, monkeypatch):
    with client(signed_server, SECRET, monkeypatch):
        assert memcache.set('signed', 'yes') is True
        assert memcache.get('signed') == 'yes'


@pytest.mark.parametrize('secret', [None, 'w' * 48], ids=['unsigned', 'wrong secret'])
def test_other_calls_fail_with_the_reason(signed_server, monkeypatch, secret):
    with client(signed_server, secret, monkeypatch):
        with pytest.raises(apiproxy_errors.RPCFailedError) as raised:
            # Not memcache.get(): the memcache API turns any error into a miss.
            datastore.Get(datastore.Key.from_path('Kind', 'unsigned'))

    assert 'HTTP 401' in str(raised.value)
    assert 'API_SERVER_SECRET' in str(raised.value)


def test_an_unsigned_call_is_refused_before_its_body_arrives(signed_server):
    """The server answers on the headers alone: a client announcing a gigabyte it never sends is not waited for."""
    sock = socket.create_connection(('127.0.0.1', signed_server.port), timeout=5)
    try:
        started = time.time()
        sock.sendall('POST /rpc_http HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n')
        reply = sock.recv(4096)
        assert reply.startswith('HTTP/1.1 401 ')
        assert time.time() - started < 2
        assert sock.recv(4096) == ''  # and the connection is closed
    finally:
        sock.close()


def test_the_health_check_stays_open(signed_server):
    sock = socket.create_connection(('127.0.0.1', signed_server.port), timeout=5)
    try:
        sock.sendall('GET /_ah/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
        assert sock.recv(4096).startswith('HTTP/1.1 200 ')
    finally:
        sock.close()


def test_an_unsigned_blobstore_upload_is_refused(signed_server):
    sock = socket.create_connection(('127.0.0.1', signed_server.port), timeout=5)
    try:
        sock.sendall('POST /_ah/upload/session HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nConnection: close\r\n'
                     '\r\nfile')
        assert sock.recv(4096).startswith('HTTP/1.1 401 ')
    finally:
        sock.close()


@pytest.mark.parametrize('secret, status', [(SECRET, 200), (None, 503)], ids=['signed', 'unsigned'])
def test_the_runtime_signs_blobstore_uploads(signed_server, monkeypatch, secret, status):
    with client(signed_server, SECRET, monkeypatch):
        path = urlparse.urlsplit(blobstore.create_upload_url('/done')).path
    body = '--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n' \
           'Content-Type: text/plain\r\n\r\nhello\r\n--b--\r\n'
    uploads = BlobUploads(('127.0.0.1', signed_server.port), api_signature.signer_for(secret))

    def success_path(start_response):
        start_response('200 OK', [])
        return ['stored']

    def app(environ, start_response):
        return uploads.serve(environ, start_response, lambda forwarded: success_path(start_response))

    response = call_wsgi(app, make_environ(path, 'POST', body=body, CONTENT_TYPE='multipart/form-data; boundary=b'))

    assert response.code == status
    assert response.body == ('stored' if status == 200 else 'blobstore upload failed, try again\n')
