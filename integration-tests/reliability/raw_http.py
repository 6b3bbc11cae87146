"""HTTP/1.1 on a raw socket to 127.0.0.1, so a probe sends exactly the bytes it means (no client library cleans up
paths, headers or framing), and streams bodies it never holds whole."""

import select
import socket
import time

RECEIVE_BYTES = 65536
# A streaming client's send buffer: small, so what it has sent is close to what the server has received.
SEND_BUFFER_BYTES = 256 << 10


class Answer(object):
    """What came back: the status line's version and code, lower-cased headers, the body, and how many body bytes
    of the request had been sent when the answer came."""

    def __init__(self, raw, sent=0):
        head, _, self.body = raw.partition(b'\r\n\r\n')
        lines = head.decode('latin-1').split('\r\n')
        parts = lines[0].split(' ', 2)
        self.version = parts[0] if parts[0].startswith('HTTP/') else None
        self.status = int(parts[1]) if self.version and len(parts) > 1 and parts[1].isdigit() else None
        self.headers = dict((name.strip().lower(), value.strip()) for name, _, value in
                            (line.partition(':') for line in lines[1:]))
        self.sent = sent

    def __repr__(self):
        return '<%s %s, %d bytes>' % (self.version, self.status, len(self.body))


def exchange(port, request, timeout=15):
    """Sends `request` (bytes, a whole request that asks for Connection: close) and reads until the server closes."""
    with socket.create_connection(('127.0.0.1', port), timeout=timeout) as connection:
        connection.sendall(request)
        return Answer(_read_to_end(connection, time.monotonic() + timeout))


def get(port, target, headers=(), timeout=15):
    """GET `target` (bytes, sent as it is) with `headers` [(name, value) as bytes]."""
    lines = [b'GET ' + target + b' HTTP/1.1', b'Host: 127.0.0.1:%d' % port, b'Connection: close']
    lines.extend(name + b': ' + value for name, value in headers)
    return exchange(port, b'\r\n'.join(lines) + b'\r\n\r\n', timeout)


def post_streaming(port, path, filler_size, content_type=b'multipart/form-data; boundary=x', chunked=False,
                   prefix=b'', suffix=b'', timeout=60):
    """POSTs `prefix`, `filler_size` zero bytes and `suffix`, sized or chunked, without holding the body in memory.

    Stops sending as soon as the server answers (a refusal before the body is all sent); Answer.sent says how many
    body bytes had gone by then."""
    size = len(prefix) + filler_size + len(suffix)
    head = [b'POST ' + path + b' HTTP/1.1', b'Host: 127.0.0.1:%d' % port, b'Content-Type: ' + content_type,
            b'Connection: close', b'Transfer-Encoding: chunked' if chunked else b'Content-Length: %d' % size]
    deadline = time.monotonic() + timeout
    with socket.create_connection(('127.0.0.1', port), timeout=timeout) as connection:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
        connection.sendall(b'\r\n'.join(head) + b'\r\n\r\n')
        sent = 0
        try:
            for data in _body_blocks(prefix, filler_size, suffix):
                if select.select([connection], [], [], 0)[0] or time.monotonic() > deadline:
                    break  # the server answered before the body was all sent
                connection.sendall(b'%x\r\n%s\r\n' % (len(data), data) if chunked else data)
                sent += len(data)
            else:
                if chunked:
                    connection.sendall(b'0\r\n\r\n')
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            pass  # it closed (or stopped reading) while we sent: its answer may still be readable
        try:
            return Answer(_read_to_end(connection, deadline), sent)
        except ConnectionResetError:
            return Answer(b'', sent)


def _body_blocks(prefix, filler_size, suffix):
    if prefix:
        yield prefix
    block = b'\0' * RECEIVE_BYTES
    for start in range(0, filler_size, RECEIVE_BYTES):
        yield block[:min(RECEIVE_BYTES, filler_size - start)]
    if suffix:
        yield suffix


def _read_to_end(connection, deadline):
    received = []
    while time.monotonic() < deadline:
        try:
            data = connection.recv(RECEIVE_BYTES)
        except socket.timeout:
            break
        if not data:
            break
        received.append(data)
    return b''.join(received)
