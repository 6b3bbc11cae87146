"""Small WSGI responses the runtime itself sends, on both sides (errors, redirects, plain text)."""

import httplib


def status_line(code):
    return '%d %s' % (code, httplib.responses.get(code, 'Unknown'))


def plain(start_response, code, text='', headers=()):
    body = text or '%s\n' % status_line(code)
    start_response(status_line(code), [('Content-Type', 'text/plain; charset=utf-8'),
                                       ('Content-Length', str(len(body)))] + list(headers))
    return [body]


def redirect(start_response, code, location):
    return plain(start_response, code, 'Redirecting to %s\n' % location, [('Location', location)])
