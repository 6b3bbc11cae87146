"""The App Engine memcache service served by real memcached servers ($MEMCACHE_SERVERS), in place of the SDK's
in-process stub, with the SDK's request and response messages and App Engine's semantics.

How App Engine's memcache maps onto memcached:
- Keys: an App Engine (namespace, key) is stored as `namespace:key` when that is printable ASCII without
  spaces and at most 250 bytes, else as `#` + the SHA-1 of both. Namespaces hold no `:` and never start with
  `#`, so two different (namespace, key) pairs never share a memcached key.
- Values keep the client's flags (the SDK's type flags: str, unicode, int, long, bool, pickled).
- cas ids are memcached's cas uniques (`gets`/`cas`).
- incr/decr use memcached's, which wraps at 2**64 and floors at 0 as App Engine does; an initial value is
  created with `add`, keeping the client's initial flags, so a later get returns an int.
- delete with a lock-out time replaces the value by a lock (an empty value with flags LOCK_FLAGS) that
  expires after it: gets miss it, add and replace fail on it, set overwrites it.
- Expiration times are passed through: memcached, like App Engine, reads values over 30 days as Unix times.
- Stats are the sums of the servers' own counters (every client of those servers counts); byte_hits is
  memcached's `bytes_written`, oldest_item_age the largest `items:<class>:age`.

Known differences: flush_all and stats cover the whole servers, so give each app its own memcached; a cas over
a delete lock-out answers EXISTS where App Engine answers NOT_STORED (the SDK's clients see False either way);
a value a raw client stores empty with all 32 flag bits set reads as a lock-out; no hot-key statistics.
"""

import hashlib
import logging
import re

from google.appengine.api import apiproxy_stub
from google.appengine.api.memcache import memcache_service_pb
from google.appengine.runtime import apiproxy_errors

from python_compat.apiserver.memcache import memcached_cluster

_log = logging.getLogger(__name__)

_SetRequest = memcache_service_pb.MemcacheSetRequest
_SetResponse = memcache_service_pb.MemcacheSetResponse
_DeleteResponse = memcache_service_pb.MemcacheDeleteResponse
_IncrementRequest = memcache_service_pb.MemcacheIncrementRequest
_IncrementResponse = memcache_service_pb.MemcacheIncrementResponse
_ServiceError = memcache_service_pb.MemcacheServiceError

# memcached's limit on a key.
MAX_KEY_LENGTH = 250
# The SDK stub's limit on one request (a set_multi of many values).
MAX_REQUEST_SIZE = 32 << 20
# Flags of a delete lock-out. The SDK's clients set only the low type bits, never all 32.
LOCK_FLAGS = 0xFFFFFFFF
# memcached reads exptime as a signed 32-bit number.
MAX_EXPTIME = 2 ** 31 - 1
UINT64 = 2 ** 64
# Rounds of incr/add (or cas) before an increment racing other writers gives up.
OFFSET_ATTEMPTS = 3
_PLAIN_NAMESPACE = re.compile(r'[0-9A-Za-z._-]*\Z')
_PLAIN_KEY = re.compile(r'[\x21-\x7e]*\Z')
_STORE_COMMANDS = {_SetRequest.SET: 'set', _SetRequest.ADD: 'add', _SetRequest.CAS: 'cas'}
_STORE_STATUSES = {memcached_cluster.STORED: _SetResponse.STORED, memcached_cluster.NOT_STORED: _SetResponse.NOT_STORED,
                   memcached_cluster.EXISTS: _SetResponse.EXISTS, memcached_cluster.NOT_FOUND: _SetResponse.NOT_STORED}


def memcached_key(namespace, key):
    """The memcached key holding App Engine's `key` in `namespace` (see the module docstring)."""
    plain = '%s:%s' % (namespace, key)
    if (len(plain) <= MAX_KEY_LENGTH and _PLAIN_NAMESPACE.match(namespace)
            and _PLAIN_KEY.match(key)):
        return plain
    return '#' + hashlib.sha1('%d:%s:%s' % (len(namespace), namespace, key)).hexdigest()


def is_lock(item):
    return item.flags == LOCK_FLAGS and not item.value


def _exptime(expiration_time):
    return min(expiration_time, MAX_EXPTIME)


def _failure_status(error, timed_out, unreachable, other):
    if isinstance(error, memcached_cluster.ServerUnavailable):
        return timed_out if error.timed_out else unreachable
    return other


def _new_value(old_value, delta, direction):
    """App Engine's arithmetic: decrements floor at 0, increments wrap at 2**64."""
    if direction == _IncrementRequest.DECREMENT:
        return max(old_value - delta, 0)
    return (old_value + delta) % UINT64


class _Offset(object):
    """The outcome of one increment: status and new value; `invalid` when the value is not an integer."""

    def __init__(self, status, new_value=None, invalid=False, error=None):
        self.status = status
        self.new_value = new_value
        self.invalid = invalid
        self.error = error


class MemcachedServiceStub(apiproxy_stub.APIProxyStub):
    """Serves the `memcache` service's calls from a memcached_cluster.MemcachedCluster."""

    THREADSAFE = True

    def __init__(self, cluster, service_name='memcache'):
        super(MemcachedServiceStub, self).__init__(service_name, max_request_size=MAX_REQUEST_SIZE)
        self._cluster = cluster

    def _Dynamic_Get(self, request, response):  # pylint: disable=invalid-name
        namespace = request.name_space()
        keys = list(_unique(request.key_list()))
        stored_keys = [memcached_key(namespace, key) for key in keys]
        found = self._cluster.get_many(list(_unique(stored_keys)), with_cas=request.for_cas())
        for key, stored_key in zip(keys, stored_keys):
            entry = found.get(stored_key)
            if entry is None or is_lock(entry):
                continue
            item = response.add_item()
            item.set_key(key)
            item.set_value(entry.value)
            item.set_flags(entry.flags)
            if request.for_cas():
                item.set_cas_id(entry.cas)

    def _Dynamic_Set(self, request, response):  # pylint: disable=invalid-name
        namespace = request.name_space()
        items = request.item_list()
        statuses = [None] * len(items)
        stores, replaces = [], []
        for index, item in enumerate(items):
            policy = item.set_policy()
            entry = (_STORE_COMMANDS.get(policy), memcached_key(namespace, item.key()), item.flags(),
                     _exptime(item.expiration_time()), item.value(), item.cas_id())
            if policy == _SetRequest.REPLACE:
                replaces.append((index, entry))
            elif policy in _STORE_COMMANDS and (policy != _SetRequest.CAS or item.has_cas_id()):
                stores.append((index, entry))
            else:
                # A cas without a cas id (the client never read the key with gets) cannot succeed.
                statuses[index] = _SetResponse.NOT_STORED
        replies = self._cluster.store_many([stored for _, stored in stores])
        for (index, _), reply in zip(stores, replies):
            statuses[index] = _store_status(reply)
        for (index, _), status in zip(replaces, self._replace([replaced for _, replaced in replaces])):
            statuses[index] = status
        for status in statuses:
            response.add_set_status(status)

    def _replace(self, entries):
        """Statuses of replace entries. memcached's own `replace` would overwrite a delete lock-out, so each
        value is read with `gets` and written with `cas`; a value that keeps changing in between is replaced
        with `replace` in the last round."""
        statuses = [None] * len(entries)
        pending = range(len(entries))
        for attempt in range(OFFSET_ATTEMPTS):
            if not pending:
                break
            if attempt == OFFSET_ATTEMPTS - 1:
                replies = self._cluster.store_many([('replace',) + entries[index][1:] for index in pending])
                for index, reply in zip(pending, replies):
                    statuses[index] = _store_status(reply)
                break
            found = self._cluster.get_many(list(_unique(entries[index][1] for index in pending)), with_cas=True)
            writes = []
            for index in pending:
                current = found.get(entries[index][1])
                if current is None or is_lock(current):
                    statuses[index] = _SetResponse.NOT_STORED
                else:
                    writes.append((index, ('cas',) + entries[index][1:5] + (current.cas,)))
            replies = self._cluster.store_many([entry for _, entry in writes])
            pending = []
            for (index, _), outcome in zip(writes, replies):
                if outcome == memcached_cluster.EXISTS:
                    pending.append(index)
                else:
                    statuses[index] = _store_status(outcome)
        return statuses

    def _Dynamic_Delete(self, request, response):  # pylint: disable=invalid-name
        namespace = request.name_space()
        deletes, locks = [], []
        for index, item in enumerate(request.item_list()):
            key = memcached_key(namespace, item.key())
            if item.delete_time():
                # A lock-out: replace (only an existing value) by a lock that expires at the delete time.
                locks.append((index, ('replace', key, LOCK_FLAGS, _exptime(item.delete_time()), '', None)))
            else:
                deletes.append((index, key))
        outcomes = [None] * request.item_size()
        for (index, _), outcome in zip(deletes, self._cluster.delete_many([deleted for _, deleted in deletes])):
            outcomes[index] = outcome
        for (index, _), outcome in zip(locks, self._cluster.store_many([locked for _, locked in locks])):
            outcomes[index] = outcome
        for outcome in outcomes:
            if isinstance(outcome, Exception):
                status = _failure_status(outcome, _DeleteResponse.DEADLINE_EXCEEDED, _DeleteResponse.UNREACHABLE,
                                         _DeleteResponse.OTHER_ERROR)
            elif outcome in (memcached_cluster.DELETED, memcached_cluster.STORED):
                status = _DeleteResponse.DELETED
            elif outcome in (memcached_cluster.NOT_FOUND, memcached_cluster.NOT_STORED):
                status = _DeleteResponse.NOT_FOUND
            else:
                status = _DeleteResponse.OTHER_ERROR
            response.add_delete_status(status)

    def _Dynamic_Increment(self, request, response):  # pylint: disable=invalid-name
        offset = self._offset_all(request.name_space(), [request])[0]
        if offset.status == _IncrementResponse.OK:
            response.set_new_value(offset.new_value)
            return
        # As the SDK's stub: a missing key and a non-integer value are application errors.
        if offset.invalid:
            raise apiproxy_errors.ApplicationError(_ServiceError.INVALID_VALUE)
        if offset.error is not None:
            raise apiproxy_errors.ApplicationError(_ServiceError.UNAVAILABLE, str(offset.error))
        raise apiproxy_errors.ApplicationError(_ServiceError.UNSPECIFIED_ERROR)

    def _Dynamic_BatchIncrement(self, request, response):  # pylint: disable=invalid-name
        for offset in self._offset_all(request.name_space(), request.item_list()):
            item = response.add_item()
            item.set_increment_status(offset.status)
            if offset.status == _IncrementResponse.OK:
                item.set_new_value(offset.new_value)

    def _offset_all(self, namespace, requests):
        """_Offset outcomes of MemcacheIncrementRequest(-like) items: incr/decr on each server, then the rare
        cases (missing key with an initial value, a lock-out, a non-integer) one by one."""
        keys = [memcached_key(namespace, request.key()) for request in requests]
        outcomes = self._cluster.offset_many([_offset(key, request) for key, request in zip(keys, requests)])
        return [self._offset_outcome(key, request, outcome)
                for key, request, outcome in zip(keys, requests, outcomes)]

    def _offset_outcome(self, key, request, outcome):
        for _ in range(OFFSET_ATTEMPTS):
            if isinstance(outcome, Exception):
                return _Offset(_failure_status(outcome, _IncrementResponse.DEADLINE_EXCEEDED,
                                               _IncrementResponse.UNREACHABLE, _IncrementResponse.ERROR),
                               error=outcome)
            if outcome == memcached_cluster.NOT_FOUND:
                if not request.has_initial_value():
                    return _Offset(_IncrementResponse.NOT_CHANGED)
                if self._create(key, request, None):
                    return _Offset(_IncrementResponse.OK, self._initial_result(request))
            elif outcome == memcached_cluster.NOT_A_NUMBER:
                # A value that is not an integer, or a delete lock-out (counted as missing).
                current = self._cluster.get_many([key], with_cas=True).get(key)
                if current is not None and not is_lock(current):
                    _log.info('memcache incr/decr of %r: value is not an unsigned 64-bit integer', key)
                    return _Offset(_IncrementResponse.NOT_CHANGED, invalid=True)
                if current is not None:
                    if not request.has_initial_value():
                        return _Offset(_IncrementResponse.NOT_CHANGED)
                    if self._create(key, request, current.cas):
                        return _Offset(_IncrementResponse.OK, self._initial_result(request))
            else:
                return _Offset(_IncrementResponse.OK, long(outcome))
            # Another writer got in between: start over.
            outcome = self._cluster.offset_many([_offset(key, request)])[0]
        return _Offset(_IncrementResponse.ERROR, error=RuntimeError('too much contention'))

    def _create(self, key, request, lock_cas):
        """Stores the initial value plus the offset (with `add`, or `cas` over a lock); True when stored."""
        value = str(self._initial_result(request))
        command = 'add' if lock_cas is None else 'cas'
        outcome = self._cluster.store_many([(command, key, request.initial_flags(), 0, value, lock_cas)])[0]
        return outcome == memcached_cluster.STORED

    @staticmethod
    def _initial_result(request):
        return _new_value(request.initial_value(), request.delta(), request.direction())

    def _Dynamic_FlushAll(self, request, response):  # pylint: disable=invalid-name,unused-argument
        failures = self._cluster.flush_all()
        if failures:
            raise apiproxy_errors.ApplicationError(_ServiceError.UNAVAILABLE, '; '.join(map(str, failures)))

    def _Dynamic_Stats(self, request, response):  # pylint: disable=invalid-name,unused-argument
        answered, failures = self._cluster.stats()
        if not answered:
            raise apiproxy_errors.ApplicationError(_ServiceError.UNAVAILABLE, '; '.join(map(str, failures)))
        stats = response.mutable_stats()
        stats.set_hits(sum(int(general.get('get_hits', 0)) for general, _ in answered))
        stats.set_misses(sum(int(general.get('get_misses', 0)) for general, _ in answered))
        # memcached counts the bytes it sends, which are mostly the values that get requests hit.
        stats.set_byte_hits(sum(int(general.get('bytes_written', 0)) for general, _ in answered) % UINT64)
        stats.set_items(sum(int(general.get('curr_items', 0)) for general, _ in answered))
        stats.set_bytes(sum(int(general.get('bytes', 0)) for general, _ in answered))
        # `items:<slab class>:age`: seconds since the least recently used item of that class was accessed.
        stats.set_oldest_item_age(max([int(value) for _, items in answered for name, value in items.items()
                                       if name.endswith(':age')] or [0]))


def _unique(values):
    seen = set()
    for value in values:
        if value not in seen:
            seen.add(value)
            yield value


def _store_status(outcome):
    if isinstance(outcome, Exception):
        return _failure_status(outcome, _SetResponse.DEADLINE_EXCEEDED, _SetResponse.UNREACHABLE,
                               _SetResponse.OTHER_ERROR)
    return _STORE_STATUSES.get(outcome, _SetResponse.ERROR)


def _offset(key, request):
    """(key, delta, decrement) of an increment request. memcached takes deltas below 2**64; a larger decrement
    floors at 0 all the same."""
    return (key, min(request.delta(), UINT64 - 1), request.direction() == _IncrementRequest.DECREMENT)
