"""gunicorn patch: a response's status line and headers go out in the same send() as its first body chunk.

gunicorn 19 sends the head and the body of every response in two system calls, and the client wakes up twice.
Chunked responses and empty writes take gunicorn's own path.
"""

from gunicorn import util
from gunicorn.http import wsgi

WRITTEN_FOR = ('gunicorn', '19.10.0')
RELIES_ON = {
    # Replaced for the first non-empty chunk of a response that is not chunked: send_headers + write in one.
    'gunicorn.http.wsgi.Response.write': '482cb2b4e580d7bc22d5f4b342e8e6d2131f17a92334aa95f040aaefd73d4fff',
    'gunicorn.http.wsgi.Response.send_headers': '7aff3b7d004fc17b318ce8d0ea6a426cc9c019fb9e6e5ed129c5dbb598315cb9',
}


class SingleSendResponse(object):
    """Mixed into gunicorn's Response."""

    def write(self, arg):
        parent = super(SingleSendResponse, self)
        if self.headers_sent or self.chunked or not arg or not isinstance(arg, bytes):
            return parent.write(arg)
        lines = self.default_headers()
        lines.extend(['%s: %s\r\n' % (name, value) for name, value in self.headers])
        head = util.to_bytestring('%s\r\n' % ''.join(lines), 'latin-1')
        if self.response_length is not None:
            arg = arg[:max(0, self.response_length - self.sent)]
        self.headers_sent = True
        self.sent += len(arg)
        util.write(self.sock, head + arg)


def patched(response_class):
    return type('Response', (SingleSendResponse, response_class), {'__module__': __name__})


def install():
    wsgi.Response = patched(wsgi.Response)
