"""Datastore Gets read from the container's SQLite datastore file without waiting for a turn on it.

The container's stubs (sqlite_stub.py, `consistent` policy: the API server's and each worker's) store every
commit before the commit call returns, each entity group's commit in one SQLite transaction, so the file always
holds every acknowledged write and never half of one commit. Reading it in one read transaction therefore answers
a strongly consistent Get as a stub would: the stored entity, or for a missing one the last commit's timestamp as
its version; and it needs no turn, which the process's stub would take (and wait for) to catch up with the others.

Every Get this module does not answer exactly as the SDK stub would goes to the process's stub instead: inside a
transaction, of a pseudo-kind, with a key the stub would refuse, in a namespace with no table yet, more results
than one response holds, or any SQLite error (the file not made yet, a Clear()).
"""

import os
import sqlite3
import threading

from google.appengine.api import datastore_types
from google.appengine.datastore import entity_pb
from google.appengine.datastore import sortable_pb_encoder
from google.net.proto import ProtocolBuffer

# What the SDK stub does and keeps private, done here as it does it: importing its datastore_stub_util costs 60 ms
# (YAML, XML, index files), which each worker's first Get would pay. test_sqlite_reads checks they still agree.
# The limits of one Get response (its _Dynamic_Get's).
MAXIMUM_RESULTS = 300
MAXIMUM_RESULT_BYTES = 2000000
# The property an entity's EntityMetadata is stored in, and the special properties stored but never returned.
METADATA_PROPERTY_NAME = '__metadata__'
INVISIBLE_PROPERTY_NAMES = frozenset([datastore_types.SCATTER_SPECIAL_PROPERTY])
_SELECT_ENTITY = 'SELECT entity FROM "%s!Entities" WHERE __path__ = ?'
# The stub keeps the timestamp of its last applied commit here (its __PersistCommitTimestamp).
_SELECT_COMMIT_TIMESTAMP = 'SELECT commit_timestamp FROM CommitTimestamps WHERE prefix = ""'
# Seconds a read waits for a lock: a WAL reader waits only while a writer recovers or resets the log.
_BUSY_TIMEOUT_SECONDS = 1.0


class SqliteGetReader(object):
    """Answers datastore_v3 Get requests from the SDK stub's SQLite file at `path`, which it only reads.

    Each process opens its own connection (a forked worker reopens it); calls of the process's threads take turns.
    """

    def __init__(self, path):
        self.path = path
        self._lock = threading.Lock()
        self._connection = None
        self._pid = None
        # Connections a forked process inherited: kept open, never used or closed (closing one in the child could
        # checkpoint or remove the log its parent still uses).
        self._inherited = []

    def answer_get(self, request, response):
        """Fills `response` to GetRequest `request` as the stub would, and returns True; or returns False,
        `response` untouched, for the stub to answer."""
        keys = request.key_list()
        if not keys or request.has_transaction() or not all(_readable_key(key) for key in keys):
            return False
        if request.allow_deferred() and len(keys) > MAXIMUM_RESULTS:
            return False
        strongly_consistent = not request.has_failover_ms()
        with self._lock:
            try:
                rows, read_timestamp = self._read(keys, strongly_consistent)
            except sqlite3.Error:
                self._close()  # the next Get opens it afresh, whatever state this error left it in
                return False
        if read_timestamp is None and strongly_consistent and None in rows:
            return False  # nothing committed yet: the stub's in-memory timestamp is all there is
        try:
            complete = _fill_response(request, response, keys, rows, read_timestamp)
        except ProtocolBuffer.ProtocolBufferDecodeError:
            complete = False  # a damaged row: what to answer for it is the stub's to say
        if not complete:
            response.Clear()
        return complete

    def _read(self, keys, strongly_consistent):
        """([the stored entity's bytes or None for each key], the last commit's timestamp or None), in one read
        transaction: every row as of the same commit."""
        connection = self._open()
        connection.execute('BEGIN')
        try:
            rows = []
            for key in keys:
                row = connection.execute(_SELECT_ENTITY % _table_prefix(key), (encode_path(key.path()),)).fetchone()
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
            if self._connection is not None:
                self._inherited.append(self._connection)
                self._connection = None
            if not os.path.exists(self.path):
                # connect() would create an empty file, which the stub should make itself.
                raise sqlite3.OperationalError('%s does not exist yet' % self.path)
            # Autocommit: _read begins and ends its own read transactions.
            self._connection = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_SECONDS, isolation_level=None,
                                               check_same_thread=False)
            self._pid = os.getpid()
        return self._connection

    def _close(self):
        if self._connection is not None and self._pid == os.getpid():
            try:
                self._connection.close()
            except sqlite3.Error:
                pass
        self._connection = self._pid = None


def _readable_key(key):
    """Whether the stub reads `key`'s entity from its table: a key its CheckReference accepts (trusted, as the
    container's API server's stub is: any app id's partition), of a kind that is no pseudo-kind (`__kind__`,
    `__entity_group__`...)."""
    elements = key.path().element_list()
    if not key.app() or not elements or not _utf8(key.app()):
        return False
    last = elements[-1]
    if not ((last.has_id() and last.id() != 0) or (last.has_name() and last.name() != '')):
        return False  # incomplete
    for element in elements:
        if element.has_id() and element.has_name():
            return False
        if not _utf8(element.type()) or (element.has_name() and not _utf8(element.name())):
            return False
    return not last.type().startswith('__')


def _utf8(text):
    if isinstance(text, unicode):
        return True
    try:
        text.decode('utf-8')
    except UnicodeDecodeError:
        return False
    return True


def encode_path(path):
    """The key of an entity's row: its path, encoded to sort in the datastore's order (the stub's
    __EncodeIndexPB)."""
    encoder = sortable_pb_encoder.Encoder()
    path.Output(encoder)
    return buffer(encoder.buffer().tostring())


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
        metadata = _take_stored_properties(entity)
        if metadata.has_updated_version():
            result.set_version(metadata.updated_version())
        if request.allow_deferred():
            total_bytes += entity.ByteSize()
            if index > 0 and total_bytes > MAXIMUM_RESULT_BYTES:
                return False
    return True


def _take_stored_properties(entity):
    """Removes the properties the stub stores but never returns from `entity`, and returns the EntityMetadata one
    held (the stub's _FromStorageEntity and LoadRecord, in place rather than on two copies)."""
    metadata = entity_pb.EntityMetadata()
    properties = entity.property_list()
    for index in xrange(len(properties) - 1, -1, -1):
        name = properties[index].name()
        if name == METADATA_PROPERTY_NAME:
            metadata = entity_pb.EntityMetadata(properties[index].value().stringvalue())
            del properties[index]
        elif name in INVISIBLE_PROPERTY_NAMES:
            del properties[index]
    return metadata
