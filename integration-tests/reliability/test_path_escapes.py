"""Path escapes: static handlers (static_dir, static_files with `upload`) never serve a byte from outside the app's
static files, whatever the client does to the path: dot segments in every encoding, encoded and backslash
separators, overlong UTF-8, NUL and suffix tricks against `upload`, absolute paths, a symlink pointing out."""

import itertools

import pytest

from reliability import figures
from reliability import raw_http

# app.yaml of apps/behaviours: `/static` static_dir, `/files/(.*\.txt)`, `/limited/(.*)` (upload: hello.txt only),
# `/typed/(.*)` and `/optional/(.*)` (static_files files/\1).
PREFIXES = [b'/static/', b'/files/', b'/limited/', b'/typed/', b'/optional/']
PARENTS = [b'../', b'..%2f', b'..%2F', b'%2e%2e/', b'%2e%2e%2f', b'.%2e/', b'%2e./', b'..%5c', b'..\\',
           b'%252e%252e%252f', b'..%c0%af', b'%c0%ae%c0%ae/', b'..%ef%bc%8f', b'....//', b'..;/', b'.../',
           b'..%00/', b'..%255c', b'./../']
DEPTHS = [1, 3, 8]
TARGETS = [b'app.yaml', b'main.py', b'appengine_config.py', b'etc/passwd', b'proc/self/environ']
# Ways to make a path end as `upload` wants (`.txt`) while naming another file.
SUFFIXES = [b'', b'%00.txt', b'?.txt', b'%3f.txt', b'#.txt', b'%23.txt', b';.txt', b'/.txt']
DIRECT = [b'/static//etc/passwd', b'/static/%2fetc%2fpasswd', b'/static/%2Fetc/passwd', b'/static/escape.css',
          b'/static/%2e%2e', b'/static/..', b'/static/.', b'/files//etc/passwd.txt', b'/files/%2fetc%2fpasswd.txt',
          b'/typed//proc/self/environ', b'/typed/%2fproc%2fself%2fenviron', b'/limited/../app.yaml',
          b'/limited/hello.txt/../../app.yaml', b'/static/site.css/../../app.yaml',
          b'/files/hello.txt%2f..%2f..%2fapp.yaml',
          b'/static/C:%5cwindows%5cwin.ini', b'/static/\\..\\app.yaml', b'/static/%5c..%5capp.yaml']
# What the files outside the static files start with or hold.
SECRETS = [b'runtime: python27', b'def app(', b'webapp_add_wsgi_middleware', b'root:x:0:0', b'PATH=']


def escapes():
    for prefix, parent, depth, target in itertools.product(PREFIXES, PARENTS, DEPTHS, TARGETS):
        yield prefix + parent * depth + target
    for prefix, target, suffix in itertools.product([b'/files/', b'/limited/'], TARGETS, SUFFIXES[1:]):
        yield prefix + PARENTS[0] * 3 + target + suffix
    for path in DIRECT:
        yield path


@pytest.fixture(scope='module')
def app(app_image, start_app):
    with start_app(app_image('behaviours')) as running:
        yield running


def test_no_path_reaches_a_file_outside_the_static_files(app):
    port = int(app.url.rsplit(':', 1)[1])
    assert raw_http.get(port, b'/static/site.css').status == 200
    escaping = figures.category('path escapes (static files)')

    for path in escapes():
        answer = raw_http.get(port, path)
        leaked = answer.status == 200 and any(secret in answer.body for secret in SECRETS)
        escaping.attempt('%r: %s' % (path, answer.status), held=not leaked and answer.status not in (None, 500))

    escaping.assert_all_held()
