"""The first step of every request: bytes no conforming client sends are answered 4xx here, before the user, the
platform paths or the app see them.

Left to the app, they become 500s: webob (webapp2's request) decodes the path and cookies as UTF-8 and raises
UnicodeDecodeError, and app.yaml's handlers and static files match paths as text. App Engine's front end passed
some of them to the app (a percent-encoded path that is not UTF-8 reached webapp2, which answered 500); the
runtime answers them as HTTP says a server should:

- the URL path, once percent-decoded, is not UTF-8 or holds a NUL: 400. Browsers always encode paths as UTF-8;
  App Engine matched handlers against the decoded path as text.
- the raw request target holds control characters, or bytes beyond ASCII that are not UTF-8: 400 (RFC 3986 has
  no raw bytes beyond ASCII at all; raw UTF-8, which some clients send, is let through).
- the Cookie header is not UTF-8, also once its \\ooo escapes are undone: 400 (RFC 6265 cookie values are
  ASCII; webob unescapes them and decodes them as UTF-8).
- a header value holds NUL, CR or LF, or a header name bytes beyond ASCII: 400 (RFC 9110, 5.1 and 5.5; gunicorn
  checks names for other characters).
- the Host header is not a host[:port] (two Host headers, which gunicorn joins with a comma, included): 400
  (RFC 9112, 3.2).
- Transfer-Encoding other than `chunked`: 501, and `chunked` together with Content-Length: 400 (RFC 9112, 6.1).
  gunicorn 19 would read such a body its own way and parse the rest as the next request.

The query string is passed as sent when it is percent-encoded: browsers encode it in the page's charset, so only
the app knows how to decode it (webob decodes it as UTF-8 when the app reads a parameter, as on App Engine).
Every refusal closes the connection: the rest of the request's body is not read, and its framing is not trusted.
"""

import re

from python_compat import responses

# Control characters and space: never raw in a request target (gunicorn splits the request line on whitespace
# only, so NUL and other controls reach RAW_URI).
_RAW_TARGET_FORBIDDEN = re.compile(r'[\x00-\x20\x7f]')
_FIELD_FORBIDDEN = re.compile(r'[\x00\r\n]')
_BEYOND_ASCII = re.compile(r'[\x80-\xff]')
# A quoted cookie value may escape a byte as \\ooo; webob unescapes it before decoding the value as UTF-8.
_OCTAL_ESCAPE = re.compile(r'\\([0-3][0-7][0-7])')
_HOST = re.compile(r"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~!$&'()*+;=%-]*)(?::[0-9]*)?$")
_CLOSE = [('Connection', 'close')]


def refusal(environ):
    """(HTTP status, one-line reason) for a request the runtime does not pass on, or None for any other."""
    path = environ.get('PATH_INFO', '')
    if not _is_utf8(path):
        return 400, 'the URL path is not UTF-8'
    if '\0' in path:
        return 400, 'the URL path holds a NUL byte'
    raw_target = environ.get('RAW_URI')
    if raw_target is not None and (_RAW_TARGET_FORBIDDEN.search(raw_target) or not _is_utf8(raw_target)):
        return 400, 'the request target holds control characters or bytes that are not UTF-8'
    cookie = environ.get('HTTP_COOKIE')
    if cookie is not None and not _cookie_is_utf8(cookie):
        return 400, 'the Cookie header is not UTF-8'
    header_refusal = _header_refusal(environ)
    if header_refusal is not None:
        return header_refusal
    host = environ.get('HTTP_HOST')
    if host is not None and not _HOST.match(host):
        return 400, 'the Host header is not one host[:port]'
    transfer_encoding = environ.get('HTTP_TRANSFER_ENCODING')
    if transfer_encoding is not None:
        if transfer_encoding.strip().lower() != 'chunked':
            return 501, 'Transfer-Encoding other than chunked is not supported'
        if environ.get('CONTENT_LENGTH'):
            return 400, 'both Transfer-Encoding and Content-Length'
    return None


def refuse(environ, start_response):
    """The pipeline's step: the refusal's response (closing the connection), or None to go on."""
    refused = refusal(environ)
    if refused is None:
        return None
    status, reason = refused
    return responses.plain(start_response, status, 'Bad request: %s.\n' % reason if status == 400
                           else '%s.\n' % reason, _CLOSE)


def _header_refusal(environ):
    # Every request pays for this: the values are searched joined, and one by one only when one is bad.
    names = [key for key in environ if key[:5] == 'HTTP_']
    values = '\n'.join([environ[name] for name in names])
    if '\0' in values or '\r' in values or values.count('\n') > max(0, len(names) - 1):
        for name in names:
            if _FIELD_FORBIDDEN.search(environ[name]):
                return 400, 'the %s header holds NUL, CR or LF' % _header_name(name)
    if _BEYOND_ASCII.search(''.join(names)):
        return 400, 'a header name holds bytes beyond ASCII'
    return None


def _is_utf8(text):
    try:
        text.decode('utf-8')
    except UnicodeDecodeError:
        return False
    return True


def _cookie_is_utf8(cookie):
    if not _is_utf8(cookie):
        return False
    return '\\' not in cookie or _is_utf8(_OCTAL_ESCAPE.sub(lambda match: chr(int(match.group(1), 8)), cookie))


def _header_name(environ_key):
    return '-'.join(word.capitalize() for word in environ_key[5:].split('_'))
