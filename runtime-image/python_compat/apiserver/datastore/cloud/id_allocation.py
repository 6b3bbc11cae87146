"""v3 AllocateIds on v1, which hands out scattered ids one key at a time, never a contiguous range.

- `reserve` (keys whose ids the app chose): v1 ReserveIds, as asked.
- `size=N`: v1 AllocateIds gives one scattered id X; X+1 .. X+N-1 are then reserved with ReserveIds, so the
  app gets the contiguous range (X, X+N-1) it expects and Cloud Datastore never hands those ids out. Scattered
  ids are spread over 2**52 values, so a neighbour of X being in use already is vanishingly unlikely, but
  unlike App Engine's allocator nothing rules it out. At most MAX_SIZE ids per call.
- `max=M`: Cloud Datastore's scattered ids all lie above 2**52, so ids 1..M are never auto-assigned when
  M < 2**52; M itself is reserved as well, and the app gets (1, M).
"""

from python_compat.apiserver.datastore.cloud import errors
from python_compat.apiserver.datastore.cloud import sdk_v1_messages as v1

MAX_SIZE = 10000
# Keys per ReserveIds call.
RESERVE_BATCH = 500


def reserve(call, converter, v3_references):
    """Reserves the ids of complete keys the app chose."""
    keys = [converter.v1_key(reference) for reference in v3_references]
    for start in range(0, len(keys), RESERVE_BATCH):
        request = v1.ReserveIdsRequest()
        request.keys.extend(keys[start:start + RESERVE_BATCH])
        call('reserveIds', request, v1.ReserveIdsResponse)


def allocate_range(call, converter, model_key, size):
    """(start, end) of `size` ids for `model_key`'s kind and parent, reserved as a contiguous range."""
    if not 0 < size <= MAX_SIZE:
        raise errors.bad_request('allocate_ids(size=%d): Cloud Datastore allocates 1 to %d ids per call'
                                 % (size, MAX_SIZE))
    request = v1.AllocateIdsRequest()
    request.keys.add().CopyFrom(_incomplete(converter.v1_key(model_key)))
    start = call('allocateIds', request, v1.AllocateIdsResponse).keys[0].path[-1].id
    _reserve_ids(call, converter, model_key, range(start + 1, start + size))
    return start, start + size - 1


def reserve_up_to(call, converter, model_key, maximum):
    """(start, end) for `max=maximum`: reserves `maximum` itself (see the module's note on 1..maximum)."""
    if maximum < 1:
        raise errors.bad_request('allocate_ids(max=%d): max must be positive' % maximum)
    _reserve_ids(call, converter, model_key, [maximum])
    return 1, maximum


def complete_keys(call, incomplete_v1_keys):
    """The v1 keys with a new scattered id each (a put inside a transaction needs its key before Commit)."""
    request = v1.AllocateIdsRequest()
    request.keys.extend(incomplete_v1_keys)
    return list(call('allocateIds', request, v1.AllocateIdsResponse).keys)


def _reserve_ids(call, converter, model_key, ids):
    template = _incomplete(converter.v1_key(model_key))
    ids = list(ids)
    for start in range(0, len(ids), RESERVE_BATCH):
        request = v1.ReserveIdsRequest()
        for entity_id in ids[start:start + RESERVE_BATCH]:
            key = request.keys.add()
            key.CopyFrom(template)
            key.path[-1].id = entity_id
        call('reserveIds', request, v1.ReserveIdsResponse)


def _incomplete(v1_key):
    v1_key.path[-1].ClearField('id')
    v1_key.path[-1].ClearField('name')
    return v1_key
