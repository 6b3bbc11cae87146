"""static_files: never serving outside the app root, and HTTP caching, conditional and Range requests."""

import os
import re

import mock
import pytest

from conftest import call_wsgi, make_environ, url_map
from python_compat.app import static_files
from python_compat.app.static_files import StaticFileHandler, http_date, resolve_inside

MTIME = 1500000000  # Fri, 14 Jul 2017 02:40:00 GMT
NOW = 1600000000


@pytest.fixture
def app_root(tmpdir):
    """An app root with a few static files (fixed mtimes) and a secret next to it, outside the root."""
    root = tmpdir.join('app').ensure(dir=True)
    files = {'static/digits.txt': '0123456789', 'static/site.css': 'body {}', 'static/logo.png': 'PNG',
             'static/blob.unknownext': 'x', 'static/empty.txt': '', 'static/page.html': '<p>',
             'private.txt': 'not for upload'}
    for name, content in files.items():
        path = root.join(name)
        path.write(content, ensure=True)
        os.utime(str(path), (MTIME, MTIME))
    tmpdir.join('secret.txt').write('outside the root')
    return root


def files_handler(root, expiration=None, **attributes):
    """A `static_files` handler: url /s/(.*) -> static/\\1, uploadable static/.*, unless overridden."""
    entry = dict(url='/s/(.*)', static_files=r'static/\1', upload=r'static/.*')
    entry.update(attributes)
    return StaticFileHandler(str(root), url_map(**entry), expiration)


def dir_handler(root, url='/assets', static_dir='static'):
    return StaticFileHandler(str(root), url_map(url=url, static_dir=static_dir), None)


def serve(handler, path, method='GET', headers=None):
    """Calls the handler with the URL match dispatch would give it (dispatch.Route builds the same patterns)."""
    url = handler.url_map.url
    if handler.kind == 'static_dir':
        url = url.rstrip('/') + '/(.*)'
    match = re.match('^(?:%s)$' % url, path)
    assert match, 'the handler url %s does not match %s' % (url, path)
    return call_wsgi(handler, make_environ(path, method=method, headers=headers), match)


# resolve_inside

def test_resolve_inside_gives_the_real_path_of_a_file_inside_the_root(app_root):
    assert resolve_inside(str(app_root), 'static/site.css') == os.path.realpath(str(app_root.join('static/site.css')))


def test_resolve_inside_treats_a_leading_slash_as_relative_to_the_root(app_root):
    assert resolve_inside(str(app_root), '/static/site.css') == str(app_root.join('static/site.css'))


@pytest.mark.parametrize('relative', ['..', '../secret.txt', 'static/../../secret.txt', 'static/../site.css'])
def test_resolve_inside_refuses_dot_dot_segments(app_root, relative):
    assert resolve_inside(str(app_root), relative) is None


def test_resolve_inside_allows_dots_inside_a_name(app_root):
    app_root.join('static/a..b').write('x')

    assert resolve_inside(str(app_root), 'static/a..b') == str(app_root.join('static/a..b'))


def test_resolve_inside_refuses_nul_bytes(app_root):
    assert resolve_inside(str(app_root), 'static/site.css\0.png') is None


def test_resolve_inside_refuses_backslashes(app_root):
    assert resolve_inside(str(app_root), 'static\\site.css') is None


def test_resolve_inside_refuses_a_symlink_pointing_out_of_the_root(app_root, tmpdir):
    app_root.join('static/leak.txt').mksymlinkto(tmpdir.join('secret.txt'))

    assert resolve_inside(str(app_root), 'static/leak.txt') is None


def test_resolve_inside_refuses_a_symlinked_directory_pointing_out_of_the_root(app_root, tmpdir):
    app_root.join('outside').mksymlinkto(tmpdir)

    assert resolve_inside(str(app_root), 'outside/secret.txt') is None


def test_resolve_inside_follows_a_symlink_that_stays_inside_the_root(app_root):
    app_root.join('static/alias.css').mksymlinkto(app_root.join('static/site.css'))

    assert resolve_inside(str(app_root), 'static/alias.css') == str(app_root.join('static/site.css'))


def test_resolve_inside_accepts_a_root_given_through_a_symlink(app_root, tmpdir):
    tmpdir.join('link-to-app').mksymlinkto(app_root)

    assert resolve_inside(str(tmpdir.join('link-to-app')), 'static/site.css') == str(app_root.join('static/site.css'))


def test_resolve_inside_refuses_a_sibling_directory_sharing_the_root_prefix(app_root, tmpdir):
    tmpdir.join('app-other/file.txt').write('x', ensure=True)
    app_root.join('sibling').mksymlinkto(tmpdir.join('app-other'))

    assert resolve_inside(str(app_root), 'sibling/file.txt') is None


# Which file a handler serves

def test_static_files_serves_the_expanded_file(app_root):
    response = serve(files_handler(app_root), '/s/digits.txt')

    assert (response.code, response.body) == (200, '0123456789')
    assert response.header('Content-Length') == '10'


def test_upload_regex_forbids_files_it_does_not_match(app_root):
    handler = files_handler(app_root, url='/(.*)', static_files=r'\1', upload=r'static/.*')

    assert serve(handler, '/private.txt').code == 404
    assert serve(handler, '/static/site.css').code == 200


def test_upload_regex_must_match_the_whole_path(app_root):
    handler = files_handler(app_root, upload=r'static/site')

    assert serve(handler, '/s/site.css').code == 404


def test_static_files_cannot_escape_the_root_with_dot_dot(app_root):
    handler = files_handler(app_root, url='/(.*)', static_files=r'\1', upload=r'.*')

    assert serve(handler, '/static/../../secret.txt').code == 404


def test_static_dir_maps_the_rest_of_the_url_under_the_directory(app_root):
    response = serve(dir_handler(app_root), '/assets/site.css')

    assert (response.code, response.body) == (200, 'body {}')


def test_static_dir_with_a_trailing_slash_in_the_url(app_root):
    assert serve(dir_handler(app_root, url='/assets/', static_dir='static/'), '/assets/site.css').body == 'body {}'


def test_static_dir_cannot_escape_the_root_with_dot_dot(app_root):
    assert serve(dir_handler(app_root), '/assets/../../secret.txt').code == 404


def test_static_dir_does_not_serve_a_directory(app_root):
    assert serve(dir_handler(app_root, static_dir='.'), '/assets/static').code == 404


def test_missing_file_is_404(app_root):
    assert serve(files_handler(app_root), '/s/nothing.txt').code == 404


def test_post_is_405_allowing_get_and_head(app_root):
    response = serve(files_handler(app_root), '/s/site.css', method='POST')

    assert response.code == 405
    assert response.header('Allow') == 'GET, HEAD'


def test_post_to_a_missing_file_is_404(app_root):
    assert serve(files_handler(app_root), '/s/nothing.txt', method='POST').code == 404


# Response headers

def test_mime_type_overrides_the_guess(app_root):
    response = serve(files_handler(app_root, mime_type='application/x-custom'), '/s/site.css')

    assert response.header('Content-Type') == 'application/x-custom'


@pytest.mark.parametrize('name, content_type', [
    ('site.css', 'text/css; charset=utf-8'),
    ('page.html', 'text/html; charset=utf-8'),
    ('logo.png', 'image/png'),
    ('blob.unknownext', 'application/octet-stream'),
])
def test_content_type_is_guessed_from_the_extension(app_root, name, content_type):
    assert serve(files_handler(app_root), '/s/' + name).header('Content-Type') == content_type


def test_expiration_sets_cache_control_and_expires(app_root):
    with mock.patch('time.time', return_value=NOW):
        response = serve(files_handler(app_root, expiration=3600), '/s/site.css')

    assert response.header('Cache-Control') == 'public, max-age=3600'
    assert response.header('Expires') == http_date(NOW + 3600)


def test_no_expiration_sends_no_caching_headers(app_root):
    response = serve(files_handler(app_root), '/s/site.css')

    assert response.header('Cache-Control') is None
    assert response.header('Expires') is None


def test_http_headers_are_added(app_root):
    response = serve(files_handler(app_root, http_headers={'X-Frame-Options': 'DENY'}), '/s/site.css')

    assert response.header('X-Frame-Options') == 'DENY'


def test_last_modified_and_accept_ranges(app_root):
    response = serve(files_handler(app_root), '/s/site.css')

    assert response.header('Last-Modified') == 'Fri, 14 Jul 2017 02:40:00 GMT'
    assert response.header('Accept-Ranges') == 'bytes'


def test_etag_is_quoted_and_stable(app_root):
    handler = files_handler(app_root)

    first, second = serve(handler, '/s/site.css'), serve(handler, '/s/site.css')

    assert re.match(r'^"[0-9a-f]{20}"$', first.header('ETag'))
    assert first.header('ETag') == second.header('ETag')


def test_etag_changes_when_the_file_changes(app_root):
    handler = files_handler(app_root)
    before = serve(handler, '/s/site.css').header('ETag')
    app_root.join('static/site.css').write('body { color: red }')

    assert serve(handler, '/s/site.css').header('ETag') != before


def test_head_sends_the_headers_without_a_body(app_root):
    response = serve(files_handler(app_root), '/s/digits.txt', method='HEAD')

    assert (response.code, response.body) == (200, '')
    assert response.header('Content-Length') == '10'


def test_body_is_streamed_in_chunks(app_root):
    with mock.patch.object(static_files, 'CHUNK_SIZE', 4):
        body = files_handler(app_root)(make_environ('/s/digits.txt'), lambda *args: None,
                                       re.match(r'/s/(.*)', '/s/digits.txt'))
        assert list(body) == ['0123', '4567', '89']
    body.close()


def test_closing_the_body_closes_the_file(app_root):
    body = files_handler(app_root)(make_environ('/s/digits.txt'), lambda *args: None,
                                   re.match(r'/s/(.*)', '/s/digits.txt'))
    body.close()

    assert body.body_file.closed


# Conditional requests

def etag_of(handler, path):
    return serve(handler, path).header('ETag')


def test_if_none_match_with_the_etag_is_304_without_a_body(app_root):
    handler = files_handler(app_root, expiration=60)
    etag = etag_of(handler, '/s/site.css')

    response = serve(handler, '/s/site.css', headers={'If-None-Match': etag})

    assert (response.code, response.body) == (304, '')
    assert response.header('ETag') == etag
    assert response.header('Cache-Control') == 'public, max-age=60'
    assert response.header('Content-Type') is None


@pytest.mark.parametrize('template', ['*', 'W/%s', '"other", %s'])
def test_if_none_match_star_weak_or_listed_etag_is_304(app_root, template):
    handler = files_handler(app_root)
    header = template % etag_of(handler, '/s/site.css') if '%s' in template else template

    assert serve(handler, '/s/site.css', headers={'If-None-Match': header}).code == 304


def test_if_none_match_with_another_etag_is_200(app_root):
    assert serve(files_handler(app_root), '/s/site.css', headers={'If-None-Match': '"other"'}).code == 200


def test_if_none_match_takes_precedence_over_if_modified_since(app_root):
    response = serve(files_handler(app_root), '/s/site.css',
                     headers={'If-None-Match': '"other"', 'If-Modified-Since': http_date(MTIME + 10)})

    assert response.code == 200


@pytest.mark.parametrize('since', [MTIME, MTIME + 3600])
def test_if_modified_since_at_or_after_the_mtime_is_304(app_root, since):
    response = serve(files_handler(app_root), '/s/site.css', headers={'If-Modified-Since': http_date(since)})

    assert (response.code, response.body) == (304, '')


def test_if_modified_since_before_the_mtime_is_200(app_root):
    response = serve(files_handler(app_root), '/s/site.css', headers={'If-Modified-Since': http_date(MTIME - 1)})

    assert response.code == 200


def test_unparseable_if_modified_since_is_200(app_root):
    assert serve(files_handler(app_root), '/s/site.css', headers={'If-Modified-Since': 'yesterday'}).code == 200


# Range requests

@pytest.mark.parametrize('header, body, content_range', [
    ('bytes=2-5', '2345', 'bytes 2-5/10'),
    ('bytes=7-', '789', 'bytes 7-9/10'),
    ('bytes=-3', '789', 'bytes 7-9/10'),
    ('bytes=5-100', '56789', 'bytes 5-9/10'),
    ('bytes=-100', '0123456789', 'bytes 0-9/10'),
    ('bytes=0-0', '0', 'bytes 0-0/10'),
])
def test_single_byte_range_is_206_with_content_range(app_root, header, body, content_range):
    response = serve(files_handler(app_root), '/s/digits.txt', headers={'Range': header})

    assert (response.code, response.body) == (206, body)
    assert response.header('Content-Range') == content_range
    assert response.header('Content-Length') == str(len(body))


@pytest.mark.parametrize('header', ['bytes=10-', 'bytes=-0', 'bytes=12-15'])
def test_unsatisfiable_range_is_416_with_the_size(app_root, header):
    response = serve(files_handler(app_root), '/s/digits.txt', headers={'Range': header})

    assert response.code == 416
    assert response.header('Content-Range') == 'bytes */10'


@pytest.mark.parametrize('header', ['bytes=a-b', 'bytes=0-1,4-5', 'bytes=-', 'items=0-1'])
def test_malformed_or_multiple_ranges_serve_the_whole_file(app_root, header):
    response = serve(files_handler(app_root), '/s/digits.txt', headers={'Range': header})

    assert (response.code, response.body) == (200, '0123456789')


def test_suffix_range_of_an_empty_file_is_416(app_root):
    response = serve(files_handler(app_root), '/s/empty.txt', headers={'Range': 'bytes=-5'})

    assert response.code == 416


def test_range_with_if_range_matching_the_etag_is_206(app_root):
    handler = files_handler(app_root)
    etag = etag_of(handler, '/s/digits.txt')

    response = serve(handler, '/s/digits.txt', headers={'Range': 'bytes=0-1', 'If-Range': etag})

    assert (response.code, response.body) == (206, '01')


def test_range_with_if_range_matching_last_modified_is_206(app_root):
    response = serve(files_handler(app_root), '/s/digits.txt',
                     headers={'Range': 'bytes=0-1', 'If-Range': http_date(MTIME)})

    assert response.code == 206


@pytest.mark.parametrize('if_range', ['"stale-etag"', http_date(MTIME - 60)])
def test_range_with_a_stale_if_range_serves_the_whole_file(app_root, if_range):
    response = serve(files_handler(app_root), '/s/digits.txt', headers={'Range': 'bytes=0-1', 'If-Range': if_range})

    assert (response.code, response.body) == (200, '0123456789')


def test_head_with_a_range_sends_the_range_headers_without_a_body(app_root):
    response = serve(files_handler(app_root), '/s/digits.txt', method='HEAD', headers={'Range': 'bytes=2-5'})

    assert (response.code, response.body) == (206, '')
    assert response.header('Content-Length') == '4'
