"""Static handlers of app.yaml served by the runtime: mapping, caching headers, conditional and range
requests, and never a byte from outside the app root."""

import http.client

import pytest


@pytest.fixture(scope='module')
def app(app_image, start_app):
    with start_app(app_image('behaviours')) as running:
        yield running


def raw_get(app, raw_path):
    """GET with the path sent exactly as given (requests would normalise `..` and percent-escapes)."""
    host, port = app.url.split('//')[1].split(':')
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request('GET', raw_path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_static_dir_serves_a_file_with_its_type_expiration_and_http_headers(app):
    response = app.get('/static/site.css')
    assert response.status_code == 200
    assert response.text == 'body { color: red; }\n'
    assert response.headers['Content-Type'] == 'text/css; charset=utf-8'
    assert response.headers['Cache-Control'] == 'public, max-age=7200'
    assert 'Expires' in response.headers
    assert response.headers['X-Static-Header'] == 'from-app-yaml'


def test_static_files_back_reference_maps_the_url_to_a_file(app):
    response = app.get('/files/hello.txt')
    assert response.status_code == 200
    assert response.text == 'hello text\n'


def test_static_files_refuses_a_file_that_upload_does_not_allow(app):
    assert app.get('/limited/hello.txt').status_code == 200
    assert app.get('/limited/data.bin').status_code == 404


def test_mime_type_overrides_the_guessed_type(app):
    response = app.get('/typed/data.bin')
    assert response.status_code == 200
    assert response.headers['Content-Type'] == 'application/x-custom'


def test_missing_static_file_is_404_with_the_apps_error_page(app):
    response = app.get('/static/missing.css')
    assert response.status_code == 404


def test_require_matching_file_falls_through_to_the_next_handler(app):
    assert app.get('/optional/hello.txt').text == 'hello text\n'
    response = app.get('/optional/nothing-here')
    assert response.status_code == 200
    assert response.json()['path'] == '/optional/nothing-here'


def test_etag_and_if_none_match_give_304(app):
    etag = app.get('/static/site.css').headers['ETag']
    response = app.get('/static/site.css', headers={'If-None-Match': etag})
    assert response.status_code == 304
    assert response.content == b''


def test_if_modified_since_gives_304(app):
    last_modified = app.get('/static/site.css').headers['Last-Modified']
    assert app.get('/static/site.css', headers={'If-Modified-Since': last_modified}).status_code == 304


def test_head_has_headers_and_no_body(app):
    import requests
    response = requests.head(app.url + '/static/site.css', timeout=10)
    assert response.status_code == 200
    assert response.headers['Content-Length'] == '21'
    assert response.content == b''


@pytest.mark.parametrize('range_header, status, body, content_range', [
    ('bytes=0-4', 206, '12345', 'bytes 0-4/'),
    ('bytes=-3', 206, None, None),
    ('bytes=100000-', 416, None, 'bytes */'),
])
def test_range_requests(app, range_header, status, body, content_range):
    whole = app.get('/files/big.txt').text
    response = app.get('/files/big.txt', headers={'Range': range_header})
    assert response.status_code == status
    if body is not None:
        assert response.text == body
    if range_header == 'bytes=-3':
        assert response.text == whole[-3:]
    if content_range is not None:
        assert response.headers['Content-Range'].startswith(content_range)


@pytest.mark.parametrize('raw_path', [
    '/static/../app.yaml',
    '/static/%2e%2e/app.yaml',
    '/static/..%2fapp.yaml',
    '/static/..%2Fmain.py',
    '/files/..%2f..%2fetc%2fpasswd.txt',
    '/static/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
])
def test_traversal_never_leaves_the_app_root(app, raw_path):
    status, body = raw_get(app, raw_path)
    assert b'runtime: python27' not in body
    assert b'root:x:0:0' not in body
    assert b'def app(' not in body


def test_symlink_pointing_outside_the_app_root_is_refused(app):
    response = app.get('/static/escape.css')
    assert response.status_code == 404
    assert 'root:' not in response.text


def test_symlink_inside_the_app_root_is_served(app):
    assert app.get('/static/inside-link.txt').text == 'hello text\n'
