"""Gives each greenlet its own copy of the SDK's per-thread API state, so concurrent requests in a gevent
worker don't run each other's RPCs.

The SDK keeps three pieces of module-level state per thread: ndb's event loop (`eventloop._state`), ndb's
context and pending futures (`tasklets._state`), and UserRPC's "inside wait_any" flag. All greenlets of a
gevent worker share one thread, and ndb even falls back to one *process-wide* object when it finds
`threading.local` monkey-patched. Shared, one request's ndb loop finishes another's RPCs ("rpc was not given
to wait_any as a choice") and one request's wait_any interrupts another's wait. A gevent local is per
greenlet, and per thread outside gevent, so this is right for threaded workers too.
"""

from gevent import monkey
from gevent.local import local as _greenlet_local

from google.appengine.api import apiproxy_stub_map

from python_compat.apiclient import after_import

NDB_PACKAGE = 'google.appengine.ext.ndb'

# threading.local as Python made it, whether or not gevent has patched the threading module since.
_thread_local = monkey.get_original('thread', '_local')


def per_greenlet(state_class):
    """A class like `state_class` whose one instance holds a separate state for every greenlet (and every
    thread). Normally a subclass of `state_class` and gevent's local, so reads and writes stay in gevent's
    compiled local: ndb touches this state several times per API call."""
    if issubclass(state_class, _greenlet_local):
        return state_class
    if issubclass(state_class, _thread_local):
        # The SDK was imported before gevent patched threading (threaded workers, tests): the C layouts of
        # the two locals cannot be combined, so a proxy hands out one instance per greenlet.
        return lambda: _PerGreenletProxy(state_class)
    # A subclass, so the class's own methods (and super() calls in its __init__) work unchanged.
    return type(state_class.__name__, (state_class, _greenlet_local), {'__module__': state_class.__module__})


class _PerGreenletProxy(object):
    """Stands in for a state object: every greenlet (or thread) gets its own instance of `state_class`."""

    def __init__(self, state_class):
        object.__setattr__(self, '_local', _greenlet_local())
        object.__setattr__(self, '_state_class', state_class)

    def _own(self):
        local = object.__getattribute__(self, '_local')
        try:
            return local.state
        except AttributeError:
            local.state = object.__getattribute__(self, '_state_class')()
            return local.state

    def __getattr__(self, name):
        return getattr(self._own(), name)

    def __setattr__(self, name, value):
        setattr(self._own(), name, value)


def _replace(owner, attribute):
    current = getattr(owner, attribute)
    if not isinstance(current, (_greenlet_local, _PerGreenletProxy)):
        setattr(owner, attribute, per_greenlet(type(current))())


def make_sdk_state_greenlet_local():
    """Makes UserRPC's per-thread state per greenlet, and ndb's as soon as ndb is imported (now, if it is);
    idempotent. Does not import ndb: apps that never use it do not pay for it."""
    # UserRPC's class-private `__local`, read as `cls.__local` inside the class.
    _replace(apiproxy_stub_map.UserRPC, '_UserRPC__local')
    after_import.call_after_import(NDB_PACKAGE, _make_ndb_state_greenlet_local)


def _make_ndb_state_greenlet_local(unused_ndb):
    from google.appengine.ext.ndb import eventloop
    from google.appengine.ext.ndb import tasklets
    _replace(eventloop, '_state')
    _replace(tasklets, '_state')
