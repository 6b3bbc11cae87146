"""The SDK's per-thread API state becomes per greenlet (and stays per thread)."""

import threading

import gevent
from gevent.local import local as greenlet_local

from google.appengine.api import apiproxy_stub_map
from google.appengine.ext.ndb import eventloop
from google.appengine.ext.ndb import tasklets

from python_compat.apiclient import greenlet_state


class Counter(object):
    def __init__(self):
        self.value = 0


def test_each_greenlet_sees_its_own_instance():
    state = greenlet_state.per_greenlet(Counter)()
    state.value = 5

    def bump():
        state.value += 1
        return state.value

    assert [g.get() for g in [gevent.spawn(bump), gevent.spawn(bump)]] == [1, 1]
    assert state.value == 5


def test_each_thread_sees_its_own_instance():
    state = greenlet_state.per_greenlet(Counter)()
    state.value = 5
    seen = []
    thread = threading.Thread(target=lambda: seen.append(state.value))
    thread.start()
    thread.join()

    assert seen == [0]


def test_sdk_state_is_replaced_once():
    greenlet_state.make_sdk_state_greenlet_local()
    replaced = (eventloop._state, tasklets._state, apiproxy_stub_map.UserRPC._UserRPC__local)
    greenlet_state.make_sdk_state_greenlet_local()

    assert all(isinstance(state, (greenlet_local, greenlet_state._PerGreenletProxy)) for state in replaced)
    assert (eventloop._state, tasklets._state, apiproxy_stub_map.UserRPC._UserRPC__local) == replaced


def test_ndb_event_loops_differ_between_greenlets():
    greenlet_state.make_sdk_state_greenlet_local()

    loops = [g.get() for g in [gevent.spawn(eventloop.get_event_loop), gevent.spawn(eventloop.get_event_loop)]]

    assert loops[0] is not loops[1]


class Defaults(object):
    loop = None

    def __init__(self):
        super(Defaults, self).__init__()
        self.pending = set()

    def add(self, item):
        self.pending.add(item)


def test_the_class_keeps_its_methods_defaults_and_init_per_greenlet():
    state = greenlet_state.per_greenlet(Defaults)()
    state.add('main')

    def in_greenlet():
        state.add('other')
        return state.loop, state.pending

    assert gevent.spawn(in_greenlet).get() == (None, {'other'})
    assert state.pending == {'main'}
    assert isinstance(state, Defaults)


class ThreadLocalDefaults(greenlet_state._thread_local):
    """Like the SDK's state classes when the SDK was imported before gevent patched threading."""
    loop = None

    def __init__(self):
        super(ThreadLocalDefaults, self).__init__()
        self.pending = set()


def test_a_threading_local_class_keeps_its_init_and_defaults_per_greenlet():
    state = greenlet_state.per_greenlet(ThreadLocalDefaults)()
    state.pending.add('main')

    def in_greenlet():
        state.loop = 'other loop'
        return state.loop, state.pending

    assert gevent.spawn(in_greenlet).get() == ('other loop', set())
    assert (state.loop, state.pending) == (None, {'main'})
