"""`threadsafe: false`: serialized calls."""

import gevent
import gevent.lock
import pytest

from python_compat.app import threadsafe
from python_compat.app.threadsafe import SerializedCall


def test_serialized_call_runs_one_greenlet_at_a_time_body_included():
    events = []

    def app(environ, start_response):
        name = environ['name']
        events.append('start ' + name)
        start_response('200 OK', [])

        def body():
            gevent.sleep(0)  # would let the other greenlet in, were it not serialized
            yield name
            events.append('end ' + name)
        return body()

    serialized = SerializedCall(app, gevent.lock.Semaphore())
    greenlets = [gevent.spawn(serialized, {'name': name}, lambda *args: None) for name in 'ab']
    gevent.joinall(greenlets, raise_error=True)

    assert events == ['start a', 'end a', 'start b', 'end b']
    assert [greenlet.value for greenlet in greenlets] == [['a'], ['b']]


def test_unserialized_greenlets_do_interleave():
    """The control for the test above: the app really does yield to the other greenlet."""
    events = []

    def app(name):
        events.append('start ' + name)
        gevent.sleep(0)
        events.append('end ' + name)

    gevent.joinall([gevent.spawn(app, name) for name in 'ab'])

    assert events == ['start a', 'start b', 'end a', 'end b']


def test_serialized_call_closes_the_body_and_releases_the_lock():
    closed = []
    lock = gevent.lock.Semaphore()

    class Body(list):
        def close(self):
            closed.append(True)

    SerializedCall(lambda environ, start_response: Body(['x']), lock)({}, lambda *args: None)

    assert closed == [True]
    assert not lock.locked()


def test_serialized_call_releases_the_lock_when_the_app_raises():
    lock = gevent.lock.Semaphore()

    def app(environ, start_response):
        raise RuntimeError('boom')

    with pytest.raises(RuntimeError):
        SerializedCall(app, lock)({}, lambda *args: None)

    assert not lock.locked()


def test_serializing_lock_is_a_lock():
    lock = threadsafe.new_serializing_lock()

    assert lock.acquire(False)
    assert not lock.acquire(False)
    lock.release()
