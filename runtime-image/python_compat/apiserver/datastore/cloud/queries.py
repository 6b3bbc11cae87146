"""Queries: a v3 RunQuery and its Next calls as v1 RunQuery calls, batch by batch.

v3 keeps a query open on the server between batches (the app's Next names it by a 64-bit cursor id); v1 is
stateless and resumes from the previous batch's end cursor. The state of each open query (its v1 request,
the limit that remains, where the next batch starts) is kept here until its last batch or until it has been
idle too long. Compiled cursors (what `fetch_page` and `Cursor.urlsafe()` hand the app) are v1's cursor
bytes unchanged: Cloud Datastore's v1 cursors are encoded v3 CompiledCursor messages, so a cursor the app
got from App Engine before moving keeps working, and one it gets now parses as the app expects.
"""

import collections
import os
import struct
import threading
import time

from python_compat.apiserver.datastore.cloud import errors
from python_compat.apiserver.datastore.cloud import sdk_v1_messages as v1

# Open queries kept at most, and for at most this long after their last batch (App Engine's lasted minutes).
MAX_OPEN_QUERIES = 10000
IDLE_SECONDS = 600
_NOT_FINISHED = v1.QueryResultBatch.NOT_FINISHED
_MORE_AFTER_LIMIT = v1.QueryResultBatch.MORE_RESULTS_AFTER_LIMIT


class OpenQuery(object):
    """What the next batch of a query needs."""

    def __init__(self, call, app, request, remaining_limit, is_projection, keys_only):
        self.call = call
        self.app = app
        self.request = request
        self.remaining_limit = remaining_limit
        self.is_projection = is_projection
        self.keys_only = keys_only
        self.start_cursor = None
        self.last_used = time.time()


class OpenQueries(object):
    """Open queries by cursor id, the least recently used dropped first; greenlet- and thread-safe."""

    def __init__(self, clock=time.time, capacity=MAX_OPEN_QUERIES):
        self._clock = clock
        self._capacity = capacity
        self._queries = collections.OrderedDict()
        self._lock = threading.Lock()

    def add(self, query):
        """Keeps `query`; returns its new cursor id."""
        with self._lock:
            self._forget_idle()
            cursor_id = _random_id()
            while cursor_id in self._queries:
                cursor_id = _random_id()
            query.last_used = self._clock()
            self._queries[cursor_id] = query
            while len(self._queries) > self._capacity:
                self._queries.popitem(last=False)
            return cursor_id

    def take(self, v3_cursor):
        """Removes and returns the query a datastore_pb.Cursor names; BadRequestError when unknown."""
        with self._lock:
            query = self._queries.pop(v3_cursor.cursor(), None)
        if query is None or query.app != v3_cursor.app():
            raise errors.bad_request('Cursor %d not found' % v3_cursor.cursor())
        return query

    def put_back(self, cursor_id, query):
        with self._lock:
            query.last_used = self._clock()
            self._queries[cursor_id] = query

    def _forget_idle(self):
        oldest = self._clock() - IDLE_SECONDS
        while self._queries:
            cursor_id, query = next(iter(self._queries.items()))
            if query.last_used >= oldest:
                break
            del self._queries[cursor_id]


class QueryRunner(object):
    """Runs v3 queries through `call(method, request, response_class)` (a bound V1 call with a deadline); a
    query's next batches go through the same `call` (the one of its transaction, if it has one)."""

    def __init__(self, converter, open_queries):
        self._converter = converter
        self._open = open_queries

    def run(self, call, v3_query, read_options, query_result):
        """Fills `query_result` (datastore_pb.QueryResult) with the first batch of `v3_query`;
        `read_options` is the v1 ReadOptions (a transaction or eventual consistency) or None."""
        request = self._converter.v1_run_query_request(v3_query)
        if read_options is not None:
            request.read_options.CopyFrom(read_options)
        query = OpenQuery(call, v3_query.app(), request, v3_query.limit() if v3_query.has_limit() else None,
                          is_projection=v3_query.property_name_size() > 0, keys_only=v3_query.keys_only())
        if v3_query.has_compiled_cursor():
            query.start_cursor = v3_query.compiled_cursor().Encode()
        if v3_query.has_end_compiled_cursor():
            request.query.end_cursor = v3_query.end_compiled_cursor().Encode()
        count = v3_query.count() if v3_query.has_count() else None
        self._batch(query, count, v3_query.offset(), v3_query.compile(), query_result)
        if query_result.more_results():
            cursor = query_result.mutable_cursor()
            cursor.set_app(query.app)
            cursor.set_cursor(self._open.add(query))

    def next(self, next_request, query_result):
        """Fills `query_result` with the next batch of the open query `next_request` names."""
        query = self._open.take(next_request.cursor())
        count = next_request.count() if next_request.has_count() else None
        self._batch(query, count, next_request.offset(), next_request.compile(), query_result)
        if query_result.more_results():
            query_result.mutable_cursor().CopyFrom(next_request.cursor())
            self._open.put_back(next_request.cursor().cursor(), query)

    def _batch(self, query, count, offset, compile_cursors, query_result):
        request = v1.RunQueryRequest()
        request.CopyFrom(query.request)
        if query.start_cursor:
            request.query.start_cursor = query.start_cursor
        if offset:
            request.query.offset = offset
        # A batch is at most what remains of the query's limit and at most the count the app asked for.
        sizes = [size for size in (query.remaining_limit, count) if size is not None]
        batch_limit = min(sizes) if sizes else None
        if batch_limit is not None:
            request.query.limit.value = batch_limit
        batch = query.call('runQuery', request, v1.RunQueryResponse).batch
        self._fill_result(query, batch, compile_cursors, query_result)
        returned = len(batch.entity_results)
        if query.remaining_limit is not None:
            query.remaining_limit -= returned
        query.start_cursor = batch.end_cursor
        if query.remaining_limit == 0 or not (returned or batch.skipped_results):
            more = False  # the limit is reached, or the batch made no progress (nothing more to find)
        elif batch.more_results == _NOT_FINISHED:
            more = True
        else:
            # v1 says MORE_RESULTS_AFTER_LIMIT also at the end of a query without limit; there may be more
            # only when the batch filled the `count` the app asked for (the query's own limit remains).
            more = batch.more_results == _MORE_AFTER_LIMIT and count is not None and returned == batch_limit
        query_result.set_more_results(more)

    def _fill_result(self, query, batch, compile_cursors, query_result):
        query_result.set_keys_only(query.keys_only)
        if query.is_projection:
            query_result.set_index_only(True)
        if batch.skipped_results:
            query_result.set_skipped_results(batch.skipped_results)
            if compile_cursors and batch.skipped_cursor:
                query_result.mutable_skipped_results_compiled_cursor().ParseFromString(batch.skipped_cursor)
        versions = []
        for entity_result in batch.entity_results:
            query_result.result_list().append(
                self._converter.v3_entity(entity_result.entity, is_projection=query.is_projection))
            if entity_result.version:
                versions.append(entity_result.version)
            if compile_cursors and entity_result.cursor:
                query_result.add_result_compiled_cursor().ParseFromString(entity_result.cursor)
        if versions and len(versions) == query_result.result_size():
            query_result.version_list().extend(versions)
        if compile_cursors and batch.end_cursor:
            query_result.mutable_compiled_cursor().ParseFromString(batch.end_cursor)


def _random_id():
    return struct.unpack('<Q', os.urandom(8))[0] & 0x7fffffffffffffff or 1
