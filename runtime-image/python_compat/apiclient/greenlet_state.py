"""Gives each greenlet its own copy of the SDK's per-thread API state, so concurrent requests in a gevent
worker don't run each other's RPCs.

The SDK keeps three pieces of module-level state per thread: ndb's event loop (`eventloop._state`), ndb's
context and pending futures (`tasklets._state`), and UserRPC's "inside wait_any" flag. All greenlets of a
gevent worker share one thread, and ndb even falls back to one *process-wide* object when it finds
`threading.local` monkey-patched. Shared, one request's ndb loop finishes another's RPCs ("rpc was not given
to wait_any as a choice") and one request's wait_any interrupts another's wait. A gevent local is per
greenlet, and per thread outside gevent, so this is right for threaded workers too.
"""

from gevent.local import local as _greenlet_local

from google.appengine.api import apiproxy_stub_map


class PerGreenlet(object):
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
    if not isinstance(current, PerGreenlet):
        setattr(owner, attribute, PerGreenlet(type(current)))


def make_sdk_state_greenlet_local():
    """Makes ndb's and UserRPC's per-thread state per greenlet; idempotent. Imports ndb."""
    from google.appengine.ext.ndb import eventloop
    from google.appengine.ext.ndb import tasklets
    _replace(eventloop, '_state')
    _replace(tasklets, '_state')
    # UserRPC's class-private `__local`, read as `cls.__local` inside the class.
    _replace(apiproxy_stub_map.UserRPC, '_UserRPC__local')
