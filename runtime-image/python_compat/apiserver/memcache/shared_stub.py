"""The `memcache` service served from the container's shared store (shared_store.py), with the SDK's request and
response messages: the same stub serves the app's own calls inside each worker and `/rpc_http` calls in the API
server, on the same data."""

import logging
import sqlite3

from google.appengine.api import apiproxy_stub
from google.appengine.api.memcache import memcache_service_pb
from google.appengine.runtime import apiproxy_errors

from python_compat.apiserver.memcache import shared_store

_log = logging.getLogger(__name__)
_IncrementRequest = memcache_service_pb.MemcacheIncrementRequest
_IncrementResponse = memcache_service_pb.MemcacheIncrementResponse
_DeleteResponse = memcache_service_pb.MemcacheDeleteResponse
_SetResponse = memcache_service_pb.MemcacheSetResponse
_SET_STATUSES = {shared_store.STORED: _SetResponse.STORED, shared_store.NOT_STORED: _SetResponse.NOT_STORED,
                 shared_store.EXISTS: _SetResponse.EXISTS}
_ServiceError = memcache_service_pb.MemcacheServiceError
# The SDK stub's limit on one request (a set_multi of many values).
MAX_REQUEST_SIZE = 32 << 20


class SharedMemcacheStub(apiproxy_stub.APIProxyStub):
    """Serves the `memcache` service's calls from a shared_store.SharedMemcacheStore."""

    # The store serializes its callers itself.
    THREADSAFE = True

    def __init__(self, store, service_name='memcache'):
        super(SharedMemcacheStub, self).__init__(service_name, max_request_size=MAX_REQUEST_SIZE)
        self.store = store

    def MakeSyncCall(self, service, call, request, response, request_id=None):  # noqa: N802 (the SDK's name)
        if not hasattr(self, '_Dynamic_' + call):
            # GrabTail and the SDK stub's test hooks: what the API server answers for a call no stub serves.
            raise apiproxy_errors.CallNotFoundError('%s.%s' % (service, call))
        try:
            return super(SharedMemcacheStub, self).MakeSyncCall(service, call, request, response, request_id)
        except (sqlite3.Error, EnvironmentError) as error:
            # The SDK's clients take a failed call as a miss (get) or as not stored (set): the app goes on.
            _log.error('memcache.%s failed on %s: %s', call, self.store.path, error)
            raise apiproxy_errors.ApplicationError(_ServiceError.UNSPECIFIED_ERROR, 'memcache store: %s' % error)

    def _Dynamic_Get(self, request, response):  # noqa: N802
        keys = [_bytes(key) for key in request.key_list()]
        for key, value, flags, cas_id in self.store.get(_bytes(request.name_space()), keys):
            item = response.add_item()
            item.set_key(key)
            item.set_value(value)
            item.set_flags(flags)
            if request.for_cas():
                item.set_cas_id(cas_id)

    def _Dynamic_Set(self, request, response):  # noqa: N802
        items = [(_bytes(item.key()), _bytes(item.value()), item.flags(), item.set_policy(), item.expiration_time(),
                  item.cas_id() if item.has_cas_id() else None) for item in request.item_list()]
        for outcome in self.store.set(_bytes(request.name_space()), items):
            response.add_set_status(_SET_STATUSES[outcome])

    def _Dynamic_Delete(self, request, response):  # noqa: N802
        items = [(_bytes(item.key()), item.delete_time()) for item in request.item_list()]
        for deleted in self.store.delete(_bytes(request.name_space()), items):
            response.add_delete_status(_DeleteResponse.DELETED if deleted else _DeleteResponse.NOT_FOUND)

    def _Dynamic_Increment(self, request, response):  # noqa: N802
        new_value = self.store.offset(_bytes(request.name_space()), [_offset_item(request)])[0]
        if new_value is None:
            raise apiproxy_errors.ApplicationError(_ServiceError.UNSPECIFIED_ERROR)
        if new_value == shared_store.INVALID:
            _log.error('memcache incr/decr of %r failed: the value is not an unsigned 64-bit integer', request.key())
            raise apiproxy_errors.ApplicationError(_ServiceError.INVALID_VALUE)
        response.set_new_value(new_value)

    def _Dynamic_BatchIncrement(self, request, response):  # noqa: N802
        outcomes = self.store.offset(_bytes(request.name_space()),
                                     [_offset_item(item) for item in request.item_list()])
        for new_value in outcomes:
            item = response.add_item()
            if new_value is None or new_value == shared_store.INVALID:
                item.set_increment_status(_IncrementResponse.NOT_CHANGED)
            else:
                item.set_increment_status(_IncrementResponse.OK)
                item.set_new_value(new_value)

    def _Dynamic_FlushAll(self, request, response):  # noqa: N802 pylint: disable=unused-argument
        self.store.flush_all()

    def _Dynamic_Stats(self, request, response):  # noqa: N802 pylint: disable=unused-argument
        totals = self.store.stats()
        stats = response.mutable_stats()
        for name in ('hits', 'misses', 'byte_hits', 'items', 'bytes', 'oldest_item_age'):
            getattr(stats, 'set_' + name)(totals[name])


def _offset_item(request):
    """(key, delta, decrement, initial value or None, initial flags) of a MemcacheIncrementRequest(-like) item."""
    return (_bytes(request.key()), request.delta(), request.direction() == _IncrementRequest.DECREMENT,
            request.initial_value() if request.has_initial_value() else None,
            request.initial_flags() if request.has_initial_flags() else 0)


def _bytes(text):
    """A namespace, key or value as the bytes a call carries over the wire: an app may name a namespace in unicode,
    which the messages hold as given in-process."""
    return text.encode('utf-8') if isinstance(text, unicode) else text


def stub_for(path, max_bytes=None):
    """The stub of the store at `path`, holding at most `max_bytes` (None: MEMCACHE_MAX_BYTES's default)."""
    if max_bytes is None:
        from python_compat.config import types
        from python_compat.config import variables
        max_bytes = types.byte_size(variables.DEFAULT_MEMCACHE_MAX_BYTES)
    return SharedMemcacheStub(shared_store.SharedMemcacheStore(path, max_bytes))
