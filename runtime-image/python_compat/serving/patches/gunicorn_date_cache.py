"""gunicorn patch: the Date header is formatted once per second, not once per response."""

import time

from gunicorn import util
from gunicorn.http import wsgi

WRITTEN_FOR = ('gunicorn', '19.10.0')
RELIES_ON = {
    # Replaced: the same header lines, with the cached date.
    'gunicorn.http.wsgi.Response.default_headers': 'a88e610ca60df8efca28765bc0f32005641dfce30e6ef3baf8b0a93922b704b4',
}

_date_cache = [None, None]


def http_date():
    """gunicorn's Date header value for now, formatted at most once per second."""
    second = int(time.time())
    if _date_cache[0] != second:
        _date_cache[:] = [second, util.http_date(second)]
    return _date_cache[1]


class DateCacheResponse(object):
    """Mixed into gunicorn's Response."""

    def default_headers(self):
        if self.upgrade:
            connection = 'upgrade'
        elif self.should_close():
            connection = 'close'
        else:
            connection = 'keep-alive'
        headers = ['HTTP/%s.%s %s\r\n' % (self.req.version[0], self.req.version[1], self.status),
                   'Server: %s\r\n' % self.version, 'Date: %s\r\n' % http_date(),
                   'Connection: %s\r\n' % connection]
        if self.chunked:
            headers.append('Transfer-Encoding: chunked\r\n')
        return headers


def patched(response_class):
    return type('Response', (DateCacheResponse, response_class), {'__module__': __name__})


def install():
    wsgi.Response = patched(wsgi.Response)
