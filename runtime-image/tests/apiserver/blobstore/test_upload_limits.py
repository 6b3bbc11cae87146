"""The bounds of an upload's body on the API server: its own limit, and what all uploads in flight may hold."""

import io

import pytest

from python_compat.apiserver.blobstore import upload_limits


def test_body_limit_is_the_global_cap_without_a_session_total():
    assert upload_limits.body_limit(None, 5000) == 5000


def test_body_limit_is_the_session_total_plus_room_for_the_form_when_smaller():
    assert upload_limits.body_limit(10, 1 << 30) == 10 + upload_limits.FORM_OVERHEAD_BYTES
    assert upload_limits.body_limit(1 << 30, 5000) == 5000


def test_body_within_its_limit_reads_whole():
    body = upload_limits.BoundedBody(io.BytesIO('x' * 100), 100, upload_limits.InFlightBudget(1000))

    assert body.read() == 'x' * 100
    assert body.read() == ''


@pytest.mark.parametrize('read', [lambda body: body.read(), lambda body: body.read(60) + body.read(60),
                                  lambda body: body.readline()], ids=['read-all', 'read-parts', 'readline'])
def test_body_going_on_past_its_limit_is_too_large(read):
    body = upload_limits.BoundedBody(io.BytesIO('x' * 101), 100, upload_limits.InFlightBudget(1000))

    with pytest.raises(upload_limits.TooLarge):
        read(body)


def test_body_never_asks_its_stream_for_more_than_one_byte_past_the_limit():
    stream = io.BytesIO('x' * 10000)
    body = upload_limits.BoundedBody(stream, 100, upload_limits.InFlightBudget(100000))

    with pytest.raises(upload_limits.TooLarge):
        body.read()
    assert stream.tell() == 101


def test_bodies_in_flight_together_are_bounded_by_the_budget():
    budget = upload_limits.InFlightBudget(150)
    first = upload_limits.BoundedBody(io.BytesIO('x' * 100), 100, budget)
    second = upload_limits.BoundedBody(io.BytesIO('y' * 100), 100, budget)
    first.read()

    with pytest.raises(upload_limits.Busy) as refused:
        second.read()
    assert refused.value.status == 503


def test_closed_body_gives_its_bytes_back_to_the_budget():
    budget = upload_limits.InFlightBudget(150)
    first = upload_limits.BoundedBody(io.BytesIO('x' * 100), 100, budget)
    first.read()
    first.close()

    assert upload_limits.BoundedBody(io.BytesIO('y' * 100), 100, budget).read() == 'y' * 100
    assert budget.used == 100
