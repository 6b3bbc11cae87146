"""Datastore Gets served in the app's own process, from the SQLite file the container's API server writes.

A Get through the API server crosses two processes and encodes and decodes its messages twice; most of an ndb
get's time went there. The API server (sqlite_stub.py, `consistent` policy) stores every commit before the commit
call returns, each entity group's commit in one SQLite transaction, so the file always holds every acknowledged
write and never half of one commit. A worker reading the file in one read transaction therefore answers a
strongly consistent Get as the API server would: the stored entity, or for a missing one the last commit's
timestamp as its version.

Only the API server writes the file. Every Get this module does not answer exactly as the SDK stub would goes to
the API server instead: inside a transaction, of a pseudo-kind, with a key the stub would refuse, in a namespace
with no table yet, more results than one response holds, or any SQLite error (the file not made yet, a Clear()).
"""

import os
import sqlite3
import threading

from google.appengine.datastore import datastore_sqlite_stub
from google.appengine.datastore import datastore_stub_util
from google.appengine.datastore import entity_pb
from google.appengine.runtime import apiproxy_errors

# What the SDK stub keeps private and this module must do as it does: the key of an entity's row (a static method
# of its class), the limits of one response (its _Dynamic_Get's), the property an entity's metadata is stored in.
# pylint: disable=protected-access
_encode_path = datastore_sqlite_stub.DatastoreSqliteStub._DatastoreSqliteStub__EncodeIndexPB
_MAXIMUM_RESULTS = datastore_stub_util._MAXIMUM_RESULTS
_MAXIMUM_RESULT_BYTES = datastore_stub_util._MAXIMUM_QUERY_RESULT_BYTES
_METADATA_PROPERTY_NAME = datastore_stub_util._METADATA_PROPERTY_NAME
# pylint: enable=protected-access
_SELECT_ENTITY = 'SELECT entity FROM "%s!Entities" WHERE __path__ = ?'
# The stub keeps the timestamp of its last applied commit here (its __PersistCommitTimestamp).
_SELECT_COMMIT_TIMESTAMP = 'SELECT commit_timestamp FROM CommitTimestamps WHERE prefix = ""'
# Seconds a read waits for a lock: a WAL reader waits only while the API server recovers or resets the log.
_BUSY_TIMEOUT_SECONDS = 1.0


class SqliteGetReader(object):
    """Answers datastore_v3 Get requests from the SDK stub's SQLite file at `path`, which this process only reads.

    Each process opens its own connection (a forked worker reopens it); calls of the process's threads take turns.
    """

    def __init__(self, path):
        self.path = path
        self._lock = threading.Lock()
        self._connection = None
        self._pid = None

    def answer_get(self, request, response):
        """Fills `response` to GetRequest `request` as the API server's stub would, and returns True; or returns
        False, `response` untouched, for the API server to answer."""
        keys = request.key_list()
        if not keys or request.has_transaction() or not all(_plain_complete_key(key) for key in keys):
            return False
        if request.allow_deferred() and len(keys) > _MAXIMUM_RESULTS:
            return False
        strongly_consistent = not request.has_failover_ms()
        try:
            with self._lock:
                rows, read_timestamp = self._read(keys, strongly_consistent)
        except sqlite3.Error:
            return False
        if read_timestamp is None and strongly_consistent and None in rows:
            return False  # nothing committed yet: the stub's in-memory timestamp is all there is
        if not _fill_response(request, response, keys, rows, read_timestamp):
            response.Clear()
            return False
        return True

    def _read(self, keys, strongly_consistent):
        """([the stored entity's bytes or None for each key], the last commit's timestamp or None), in one read
        transaction: every row as of the same commit."""
        connection = self._open()
        connection.execute('BEGIN')
        try:
            rows = []
            for key in keys:
                row = connection.execute(_SELECT_ENTITY % _table_prefix(key), (_encode_path(key.path()),)).fetchone()
                rows.append(row[0] if row else None)
            read_timestamp = None
            if strongly_consistent and None in rows:
                row = connection.execute(_SELECT_COMMIT_TIMESTAMP).fetchone()
                read_timestamp = row[0] if row else None
            return rows, read_timestamp
        finally:
            connection.execute('COMMIT')

    def _open(self):
        if self._pid != os.getpid():
            if not os.path.exists(self.path):
                # connect() would create an empty file, which the API server should make itself.
                raise sqlite3.OperationalError('%s does not exist yet' % self.path)
            # Autocommit: _read begins and ends its own read transactions.
            self._connection = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_SECONDS, isolation_level=None,
                                               check_same_thread=False)
            self._pid = os.getpid()
        return self._connection


def _plain_complete_key(key):
    """Whether the stub would read `key`'s entity from its table: a valid, complete key of a kind that is not a
    pseudo-kind (`__kind__`, `__entity_group__`...)."""
    if not key.app():
        return False  # the stub's check asserts it
    try:
        # Trusted, as the container's API server's stub is: any app id's partition is readable.
        datastore_stub_util.CheckReference(True, key.app(), key)
    except apiproxy_errors.ApplicationError:
        return False
    return not key.path().element_list()[-1].type().startswith('__')


def _table_prefix(key):
    """The prefix of the tables of the key's app and namespace, as the stub names them (its _GetTablePrefix)."""
    return ('%s!%s' % (key.app(), key.name_space())).replace('"', '""')


def _fill_response(request, response, keys, rows, read_timestamp):
    """The stub's _Dynamic_Get: each stored entity with its version, and the key of each missing one with the last
    commit's timestamp (strongly consistent reads only); False when the stub would defer keys to a later call."""
    response.set_in_order(not request.allow_deferred())
    total_bytes = 0
    for index, (key, stored) in enumerate(zip(keys, rows)):
        result = response.add_entity()
        if stored is None:
            result.mutable_key().CopyFrom(key)
            if read_timestamp is not None:
                result.set_version(read_timestamp)
            continue
        entity = result.mutable_entity()
        entity.ParseFromString(stored)
        metadata = _take_metadata(entity)
        datastore_stub_util.PrepareSpecialPropertiesForLoad(entity)
        if metadata.has_updated_version():
            result.set_version(metadata.updated_version())
        if request.allow_deferred():
            total_bytes += entity.ByteSize()
            if index > 0 and total_bytes > _MAXIMUM_RESULT_BYTES:
                return False
    return True


def _take_metadata(entity):
    """Removes the stored EntityMetadata property from `entity` and returns it (the SDK's _FromStorageEntity, in
    place rather than on a copy)."""
    metadata = entity_pb.EntityMetadata()
    properties = entity.property_list()
    for index in xrange(len(properties) - 1, -1, -1):
        if properties[index].name() == _METADATA_PROPERTY_NAME:
            metadata = entity_pb.EntityMetadata(properties[index].value().stringvalue())
            del properties[index]
    return metadata
