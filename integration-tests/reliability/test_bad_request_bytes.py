"""Bad request bytes: every undecodable or malformed input a client can send gets its 4xx (or 505), never a 500,
from a plain WSGI app and from webapp2 (whose webob raised UnicodeDecodeError on them); valid UTF-8 and the
encodings browsers use still reach the app unchanged."""

import json
import re

import pytest

from reliability import figures
from reliability import raw_http

CLOSE = b'Connection: close\r\n'


def request(line, *headers, **options):
    """A raw request: the request line, Host, the headers given, Connection: close, then the body."""
    host = options.get('host', b'Host: example.com\r\n')
    return line + b'\r\n' + host + b''.join(header + b'\r\n' for header in headers) + CLOSE + b'\r\n' + \
        options.get('body', b'')


# (what, the raw request, the status it must get); every one is sent to both apps.
MALFORMED = [
    ('path percent-decodes to bytes that are not UTF-8', request(b'GET /%ff%fe HTTP/1.1'), 400),
    ('path with a truncated UTF-8 sequence', request(b'GET /hello%c3%28 HTTP/1.1'), 400),
    ('path with an overlong UTF-8 slash', request(b'GET /a%c0%afb HTTP/1.1'), 400),
    ('raw \\xff in the path', request(b'GET /\xff HTTP/1.1'), 400),
    ('raw Latin-1 in the path', request(b'GET /caf\xe9 HTTP/1.1'), 400),
    ('encoded NUL in the path', request(b'GET /a%00b HTTP/1.1'), 400),
    ('raw NUL in the path', request(b'GET /a\x00b HTTP/1.1'), 400),
    ('raw control character in the query', request(b'GET /?a=\x01 HTTP/1.1'), 400),
    ('raw \\xff in the query', request(b'GET /?\xff=1 HTTP/1.1'), 400),
    ('cookie value not UTF-8', request(b'GET / HTTP/1.1', b'Cookie: a=\xff'), 400),
    ('quoted cookie value not UTF-8', request(b'GET / HTTP/1.1', b'Cookie: a="\xff"'), 400),
    ('cookie escape that unescapes to \\xff', request(b'GET / HTTP/1.1', b'Cookie: a="\\377"'), 400),
    ('NUL in a header value', request(b'GET / HTTP/1.1', b'X-Note: a\x00b'), 400),
    ('bare CR in a header value', request(b'GET / HTTP/1.1', b'X-Note: a\rb'), 400),
    ('two Host headers', request(b'GET / HTTP/1.1', b'Host: other.example.com'), 400),
    ('Host that is not a host name', request(b'GET / HTTP/1.1', host=b'Host: exa mple.com/path\r\n'), 400),
    ('Host with bytes beyond ASCII', request(b'GET / HTTP/1.1', host=b'Host: \xff.example.com\r\n'), 400),
    ('header line folded onto the Host', request(b'GET / HTTP/1.1', b' folded: y'), 400),
    ('header name with a space', request(b'GET / HTTP/1.1', b'X Note: y'), 400),
    ('header line without a colon', request(b'GET / HTTP/1.1', b'no colon here'), 400),
    ('header name not a token', request(b'GET / HTTP/1.1', b'X-N\xffte: y'), 400),
    ('header over 8 KB', request(b'GET / HTTP/1.1', b'X-Big: ' + b'a' * 9000), 400),
    ('request line over 8 KB', request(b'GET /' + b'a' * 9000 + b' HTTP/1.1'), 400),
    ('method not a token', request(b'G\xffT / HTTP/1.1'), 400),
    ('request line without a version', request(b'GET /'), 400),
    ('version not HTTP', request(b'GET / FOO/1.1'), 400),
    ('HTTP/9.9', request(b'GET / HTTP/9.9'), 505),
    ('HTTP/2.0 in an HTTP/1 request line', request(b'GET / HTTP/2.0'), 505),
    ('HTTP/0.9 with headers', request(b'GET / HTTP/0.9'), 505),
    ('Content-Length not a number', request(b'POST / HTTP/1.1', b'Content-Length: abc'), 400),
    ('negative Content-Length', request(b'POST / HTTP/1.1', b'Content-Length: -1'), 400),
    ('two Content-Lengths that differ', request(b'POST / HTTP/1.1', b'Content-Length: 5', b'Content-Length: 6',
                                                body=b'hello'), 400),
    ('chunked with a Content-Length', request(b'POST / HTTP/1.1', b'Content-Length: 5',
                                              b'Transfer-Encoding: chunked', body=b'0\r\n\r\n'), 400),
    ('Transfer-Encoding gzip', request(b'POST / HTTP/1.1', b'Transfer-Encoding: gzip', body=b'hello'), 501),
    ('Transfer-Encoding gzip, chunked', request(b'POST / HTTP/1.1', b'Transfer-Encoding: gzip, chunked',
                                                body=b'0\r\n\r\n'), 501),
]
# Malformed multipart to a valid upload URL: (what, Content-Type, body).
MULTIPART = [
    ('multipart without a boundary parameter', b'multipart/form-data', b'--x\r\n\r\nb\r\n--x--\r\n'),
    ('multipart whose boundary never appears', b'multipart/form-data; boundary=x', b'no boundary here'),
    ('multipart cut off before its closing boundary', b'multipart/form-data; boundary=x',
     b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\ncut off'),
    ('multipart boundary longer than RFC 2046 allows', b'multipart/form-data; boundary=' + b'b' * 300,
     b'--' + b'b' * 300 + b'--\r\n'),
    ('file part with a content type that is not one', b'multipart/form-data; boundary=x',
     b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: nonsense\r\n\r\n'
     b'data\r\n--x--\r\n'),
    ('file name that is not UTF-8', b'multipart/form-data; boundary=x',
     b'--x\r\nContent-Disposition: form-data; name="file"; filename="\xff.txt"\r\n\r\ndata\r\n--x--\r\n'),
]


@pytest.fixture(scope='module')
def plain_app(app_image, start_app):
    with start_app(app_image('behaviours')) as running:
        yield running


@pytest.fixture(scope='module')
def webapp2_app(app_image, start_app):
    with start_app(app_image('blobstore')) as running:
        yield running


def port_of(app):
    return int(app.url.rsplit(':', 1)[1])


def test_malformed_requests_get_their_4xx_never_a_500(plain_app, webapp2_app):
    bad_bytes = figures.category('bad request bytes')
    for app_name, app in (('plain WSGI', plain_app), ('webapp2', webapp2_app)):
        for what, raw, status in MALFORMED:
            answer = raw_http.exchange(port_of(app), raw)
            bad_bytes.attempt('%s to %s: %s %s' % (what, app_name, answer.version, answer.status),
                              held=answer.status == status and answer.version == 'HTTP/1.1')
    for what, content_type, body in MULTIPART:
        upload_path = re.sub(r'^https?://[^/]+', '', webapp2_app.get('/upload-url').text).encode()
        answer = raw_http.exchange(port_of(webapp2_app), request(
            b'POST ' + upload_path + b' HTTP/1.1', b'Content-Type: ' + content_type,
            b'Content-Length: %d' % len(body), body=body))
        bad_bytes.attempt('%s: %s' % (what, answer.status), held=answer.status == 400)

    bad_bytes.assert_all_held()


@pytest.mark.parametrize('target, path', [
    (b'/caf%C3%A9', 'caf\u00e9'), (b'/caf\xc3\xa9', 'caf\u00e9'), (b'/%E2%82%AC/a%20b', '\u20ac/a b'),
    (b'/a+b/%25', 'a+b/%'), (b'/stray%zz', 'stray%zz')],
    ids=['percent-encoded-utf8', 'raw-utf8', 'euro-and-space', 'plus-and-percent', 'stray-percent'])
def test_valid_paths_reach_the_app_decoded_as_usual(plain_app, target, path):
    answer = raw_http.get(port_of(plain_app), target)

    assert answer.status == 200
    assert json.loads(answer.body)['path'] == '/' + path


@pytest.mark.parametrize('query', [b'q=caf%E9', b'q=caf%C3%A9&r=a+b', b'q=%ff'],
                         ids=['latin1-form', 'utf8-form', 'undecodable-as-utf8'])
def test_percent_encoded_query_reaches_the_app_as_sent(plain_app, query):
    answer = raw_http.get(port_of(plain_app), b'/env?keys=QUERY_STRING&' + query)

    assert json.loads(answer.body)['QUERY_STRING'] == 'keys=QUERY_STRING&' + query.decode()


def test_utf8_cookie_reaches_the_app(plain_app):
    answer = raw_http.get(port_of(plain_app), b'/headers', [(b'Cookie', b'name=caf\xc3\xa9')])

    assert json.loads(answer.body)['HTTP_COOKIE'] == 'name=caf\u00e9'
