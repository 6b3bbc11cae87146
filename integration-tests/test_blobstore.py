"""Blobstore through the runtime: files posted to a create_upload_url() URL are stored as blobs, the app's
upload handler sees them, and send_blob serves the same bytes back (ranges included), also after the
container is replaced when the API storage path is a volume."""

import os
import re
import struct
import zlib

import pytest
import requests



def png_bytes(width=4, height=3):
    """A small valid PNG (8-bit RGB) built by hand."""
    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)
    # Each row: filter type 0, then one RGB pixel per column.
    rows = b''.join(b'\x00' + b''.join(bytes((x * 60, y * 80, 200)) for x in range(width)) for y in range(height))
    header = struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0)
    return b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', header) + chunk(b'IDAT', zlib.compress(rows)) + chunk(b'IEND', b'')


def upload(app, data, filename='data.bin', content_type='application/octet-stream'):
    """Posts one file to a fresh upload URL; returns the upload's response (not following its redirect)."""
    upload_url = app.get('/upload-url').text
    return requests.post(upload_url, files={'file': (filename, data, content_type)}, allow_redirects=False,
                         timeout=60)


def upload_and_locate(app, data, **kwargs):
    response = upload(app, data, **kwargs)
    assert response.status_code == 302, response.text
    return response.headers['Location']


@pytest.fixture(scope='module')
def blobstore_app(app_image, start_app):
    with start_app(app_image('blobstore')) as app:
        yield app


def test_upload_form_posts_to_this_hosts_upload_path(blobstore_app):
    action = re.search(r'action="([^"]+)"', blobstore_app.get('/').text).group(1)

    assert action.startswith(blobstore_app.url + '/_ah/upload/')


def test_uploaded_file_is_served_back_byte_for_byte(blobstore_app):
    data = os.urandom(300 * 1024)

    served = requests.get(upload_and_locate(blobstore_app, data), timeout=60)

    assert served.status_code == 200
    assert served.content == data
    assert served.headers['Content-Type'] == 'application/octet-stream'
    assert not [name for name in served.headers if name.lower().startswith('x-appengine-')]


def test_png_is_served_with_its_content_type(blobstore_app):
    data = png_bytes()

    served = requests.get(upload_and_locate(blobstore_app, data, filename='tiny.png', content_type='image/png'),
                          timeout=30)

    assert (served.content, served.headers['Content-Type']) == (data, 'image/png')


def test_blob_larger_than_one_api_fetch_is_served_whole(blobstore_app):
    data = os.urandom(2 * 1024 * 1024 + 12345)

    assert requests.get(upload_and_locate(blobstore_app, data), timeout=60).content == data


def test_range_request_gets_that_slice(blobstore_app):
    data = os.urandom(300 * 1024)
    location = upload_and_locate(blobstore_app, data)

    served = requests.get(location, headers={'Range': 'bytes=1000-1999'}, timeout=30)

    assert served.status_code == 206
    assert served.content == data[1000:2000]
    assert served.headers['Content-Range'] == 'bytes 1000-1999/%d' % len(data)


def test_upload_url_serves_one_upload(blobstore_app):
    upload_url = blobstore_app.get('/upload-url').text
    first = requests.post(upload_url, files={'file': ('a.txt', b'a')}, allow_redirects=False, timeout=30)

    second = requests.post(upload_url, files={'file': ('a.txt', b'a')}, allow_redirects=False, timeout=30)

    assert (first.status_code, second.status_code) == (302, 404)
    assert 'Traceback' not in second.text


def test_unknown_blob_is_not_found(blobstore_app):
    assert blobstore_app.get('/serve/no-such-blob').status_code == 404


def test_blob_survives_a_new_container_on_the_same_storage_volume(app_image, start_app, storage_volume_mount):
    image = app_image('blobstore')
    data = os.urandom(100 * 1024)
    with start_app(image, volumes=storage_volume_mount) as first:
        path = upload_and_locate(first, data).split(first.url, 1)[1]
        first.container.stop(timeout=10)

    with start_app(image, volumes=storage_volume_mount) as second:
        served = second.get(path)

    assert (served.status_code, served.content) == (200, data)
