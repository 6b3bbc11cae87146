"""framed_calls: a call and its answer as frames, read whole from a stream that delivers them in any pieces."""

import pytest

from python_compat.wire import framed_calls


class Pieces(object):
    """A socket whose recv() hands out `data` a few bytes at a time."""

    def __init__(self, data, size):
        self.data = data
        self.size = size

    def recv(self, wanted):
        piece, self.data = self.data[:self.size], self.data[self.size:]
        return piece


def frames_of(data, size=3):
    reader = framed_calls.FrameReader(Pieces(data, size))
    frames = []
    while True:
        body = reader.next_frame()
        if body is None:
            return frames
        frames.append(body)


def test_a_call_frame_carries_every_field():
    frame = framed_calls.call_frame('memcache', 'Get', 'ticket-1', '\x00request\xff', 2.5)

    body, = frames_of(frame)

    assert framed_calls.parse_call(body) == ('memcache', 'Get', 'ticket-1', '\x00request\xff', 2.5)


@pytest.mark.parametrize('kind, code, payload', [
    (framed_calls.OK, 0, '\x00response'), (framed_calls.APPLICATION_ERROR, 7, 'service said no'),
    (framed_calls.RPC_ERROR, 5, 'deadline exceeded')])
def test_an_answer_frame_carries_its_kind_code_and_payload(kind, code, payload):
    body, = frames_of(framed_calls.answer_frame(kind, payload, code))

    assert framed_calls.parse_answer(body) == (kind, code, payload)


def test_a_unicode_detail_travels_as_utf8_whatever_the_frame_length():
    # A length byte over 0x7f once made joining the length with a unicode detail fail to decode.
    detail = u'no matching index found; recommended index: kind Gr\xfc\xdfe ' + u'x' * 200

    body, = frames_of(framed_calls.answer_frame(framed_calls.APPLICATION_ERROR, detail, 4))

    assert framed_calls.parse_answer(body) == (framed_calls.APPLICATION_ERROR, 4, detail.encode('utf-8'))


def test_frames_are_read_whole_one_after_another_from_any_pieces():
    frames = ''.join(framed_calls.call_frame('s', 'm%d' % n, '', 'x' * n, 1.0) for n in range(50))

    assert [framed_calls.parse_call(body)[1] for body in frames_of(frames, size=7)] == ['m%d' % n for n in range(50)]


def test_a_connection_closed_in_the_middle_of_a_frame_is_an_error():
    with pytest.raises(EOFError):
        frames_of(framed_calls.call_frame('memcache', 'Get', '', 'request', 1.0)[:-2])


def test_a_frame_longer_than_the_limit_is_refused():
    with pytest.raises(framed_calls.FrameError):
        frames_of('\xff\xff\xff\xff' + 'x' * 10)


def test_a_call_frame_shorter_than_its_head_says_is_refused():
    body, = frames_of(framed_calls.call_frame('memcache', 'Get', 'ticket', '', 1.0))

    with pytest.raises(framed_calls.FrameError):
        framed_calls.parse_call(body[:-3])
