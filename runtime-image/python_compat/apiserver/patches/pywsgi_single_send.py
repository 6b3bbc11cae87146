"""gevent patch: a reply's status line and headers leave in the same send() as its body.

pywsgi sends them separately, which costs a system call and wakes the client twice. Chunked replies and replies
over SINGLE_SEND_MAX_BYTES take pywsgi's own path.
"""

WRITTEN_FOR = ('gevent', '22.10.2')
RELIES_ON = {
    # Replaced.
    'gevent.pywsgi.WSGIHandler._write_with_headers': '5ccb48bf841cd3faeefb43a561756582c29f14d681743c7f95ac6570bf8ecbdc',
    # Relied on: it fills response_headers and decides on chunking before the head is written.
    'gevent.pywsgi.WSGIHandler.finalize_headers': 'ae55d737b13a18f05259c2d4da92c479d736c25666bfdd9dc005eebc48df357a',
}

# Replies up to this size leave with their headers in one send(); larger ones are not copied to join them.
SINGLE_SEND_MAX_BYTES = 256 * 1024


class SingleSendReply(object):
    """Mixed into pywsgi's WSGIHandler."""

    def _write_with_headers(self, data):
        if self.response_use_chunked or len(data) > SINGLE_SEND_MAX_BYTES:
            return super(SingleSendReply, self)._write_with_headers(data)
        self.headers_sent = True
        self.finalize_headers()
        reply = bytearray(b'HTTP/1.1 ')
        reply += self.status
        reply += b'\r\n'
        for header, value in self.response_headers:
            reply += header
            reply += b': '
            reply += value
            reply += b'\r\n'
        reply += b'\r\n'
        reply += data
        self._sendall(reply)
        return None
