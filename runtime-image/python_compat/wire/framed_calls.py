"""API calls between the app's processes and the embedded API server over a Unix socket: one frame per call and
one per answer, on a connection kept open for the next call.

`POST /rpc_http` (rpc_protocol.py) stays the protocol of external API servers and Python 3 clients. Inside a
container, each call paid for HTTP's head, the remote_api envelope around the call and its answer (encoded and
decoded once on each side) and TCP; a frame carries the same fields with a fixed binary head:

    call:   length (4 bytes, of what follows) | deadline seconds (8-byte float) |
            lengths of service, method and ticket (2 bytes each) | service | method | ticket | request bytes
    answer: length (4 bytes) | kind (1 byte) | kind OK: response bytes;
                                               kind APPLICATION_ERROR or RPC_ERROR: code (4 bytes) | detail

All integers are big-endian. The socket file is the access control: it belongs to the container's user and
nothing outside the container can reach it.
"""

import struct

_LENGTH = struct.Struct('!I')
_CALL_HEAD = struct.Struct('!dHHH')
_ERROR_HEAD = struct.Struct('!Bi')
OK, APPLICATION_ERROR, RPC_ERROR = 0, 1, 2
# A frame longer than this is refused: calls and answers are bounded by the services' own limits well below.
MAX_FRAME_BYTES = 256 << 20


class FrameError(Exception):
    """The bytes on the connection are not a frame this protocol makes."""


def call_frame(service, method, ticket, request_bytes, deadline_seconds):
    # The SDK names some services and methods in unicode: bytes, or joining them would decode the request.
    service, method, ticket = str(service), str(method), str(ticket)
    head = _CALL_HEAD.pack(deadline_seconds, len(service), len(method), len(ticket))
    body = ''.join((head, service, method, ticket, request_bytes))
    return _LENGTH.pack(len(body)) + body


def parse_call(body):
    """(service, method, ticket, request bytes, deadline seconds) of a call frame's body."""
    if len(body) < _CALL_HEAD.size:
        raise FrameError('call frame of %d bytes' % len(body))
    deadline, service_length, method_length, ticket_length = _CALL_HEAD.unpack_from(body)
    start = _CALL_HEAD.size
    service = body[start:start + service_length]
    start += service_length
    method = body[start:start + method_length]
    start += method_length
    ticket = body[start:start + ticket_length]
    start += ticket_length
    if start > len(body):
        raise FrameError('call frame shorter than its head says')
    return service, method, ticket, body[start:], deadline


def answer_frame(kind, payload, code=0):
    """The frame of an answer: OK with the response bytes, or an error kind with its code and detail."""
    if isinstance(payload, unicode):
        # Stubs give some details in unicode (Cloud Datastore's index suggestions); the frame carries UTF-8.
        payload = payload.encode('utf-8')
    if kind == OK:
        body = chr(OK) + payload
    else:
        body = _ERROR_HEAD.pack(kind, code) + payload
    return _LENGTH.pack(len(body)) + body


def parse_answer(body):
    """(kind, code, payload) of an answer frame's body (code 0 for OK)."""
    if not body:
        raise FrameError('empty answer frame')
    kind = ord(body[0])
    if kind == OK:
        return OK, 0, body[1:]
    if len(body) < _ERROR_HEAD.size or kind not in (APPLICATION_ERROR, RPC_ERROR):
        raise FrameError('answer frame of kind %d' % kind)
    _, code = _ERROR_HEAD.unpack_from(body)
    return kind, code, body[_ERROR_HEAD.size:]


class FrameReader(object):
    """Reads whole frames from a socket through one buffer (a call's frame usually arrives in one recv())."""

    RECEIVE_SIZE = 65536

    def __init__(self, sock):
        self.sock = sock
        self.buffer = ''

    def next_frame(self):
        """The body of the next frame; None when the peer closed the connection between frames; FrameError or
        EOFError when it sent something else or closed in the middle of one."""
        while len(self.buffer) < _LENGTH.size:
            if not self._receive():
                if self.buffer:
                    raise EOFError('connection closed in the middle of a frame')
                return None
        length = _LENGTH.unpack_from(self.buffer)[0]
        if length > MAX_FRAME_BYTES:
            raise FrameError('frame of %d bytes' % length)
        end = _LENGTH.size + length
        while len(self.buffer) < end:
            if not self._receive(end - len(self.buffer)):
                raise EOFError('connection closed in the middle of a frame')
        body, self.buffer = self.buffer[_LENGTH.size:end], self.buffer[end:]
        return body

    def _receive(self, wanted=0):
        data = self.sock.recv(max(wanted, self.RECEIVE_SIZE))
        self.buffer += data
        return bool(data)
