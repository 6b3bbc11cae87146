"""gunicorn patch: requests of an HTTP version other than 1.x get 505, and the status line always names a version
the server speaks.

gunicorn 19 accepts any `HTTP/<digits>.<digits>` and copies it into its status line: `GET / HTTP/9.9` is answered
`HTTP/9.9 200 OK`. HTTP/1.1 (RFC 9110, 15.6.6; RFC 9112, 2.3) says: another major version gets 505 (HTTP Version
Not Supported), and a higher 1.x minor version is served as 1.1, the highest this server implements. The check
belongs where gunicorn parses the request line, before the app or the request pipeline runs: gunicorn answers
the 505 itself, as it answers its other malformed request lines (400), and closes the connection.
"""

from gunicorn import util
from gunicorn.http import errors
from gunicorn.http import message
from gunicorn.workers import base

WRITTEN_FOR = ('gunicorn', '19.10.0')
RELIES_ON = {
    # Wrapped: sets self.version from the request line (raising InvalidHTTPVersion when there is none).
    'gunicorn.http.message.Request.parse_request_line':
        '72c223f2bce79aee648d7f6b7e42430548ae73f6e21d51031cbe3df849bce7c2',
    # Wrapped: answers parse errors (InvalidHTTPVersion with a 400); the worker closes the connection after it.
    'gunicorn.workers.base.Worker.handle_error': '7179341911919f3c64c8fc992d718928fca042a7113647b4a7299d2f72493159',
    'gunicorn.workers.base_async.AsyncWorker.handle':
        '8532d07d2247ce26aa164083a022f27660d26494f0dbbc81a832192c6ac9ed74',
    # Writes the 505: `HTTP/1.1 <status>` with `Connection: close` and a small HTML body.
    'gunicorn.util.write_error': '894e85a64e9016479bb0d214d6e63850d4b6089fe7da9f3f4f9c4baacf7f2e9d',
}

HIGHEST_VERSION = (1, 1)


class UnsupportedHTTPVersion(errors.InvalidHTTPVersion):
    """A well-formed request line of an HTTP version this server does not speak (not 1.x)."""


# gunicorn's own functions, kept: install() replaces the attributes.
gunicorn_parse_request_line = message.Request.parse_request_line
gunicorn_handle_error = base.Worker.handle_error


def parse_request_line(self, line_bytes):
    gunicorn_parse_request_line(self, line_bytes)
    major, minor = self.version
    if major != 1:
        raise UnsupportedHTTPVersion('HTTP/%d.%d' % (major, minor))
    if minor > HIGHEST_VERSION[1]:
        self.version = HIGHEST_VERSION


def handle_error(self, req, client, addr, exc):
    if isinstance(exc, UnsupportedHTTPVersion):
        self.log.debug('Invalid request from ip=%s: unsupported HTTP version %s', (addr or ('',))[0], exc)
        try:
            util.write_error(client, 505, 'HTTP Version Not Supported', 'Unsupported HTTP version %s' % exc)
        except EnvironmentError:
            pass  # the client went away; the worker closes the socket either way
        return
    return gunicorn_handle_error(self, req, client, addr, exc)


def install():
    message.Request.parse_request_line = parse_request_line
    base.Worker.handle_error = handle_error
