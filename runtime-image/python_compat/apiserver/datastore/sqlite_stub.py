"""The default datastore backend: the SDK's SQLite stub under the storage path, durable at every commit."""

import contextlib

from google.appengine.api import datastore_types
from google.appengine.datastore import datastore_sqlite_stub
from google.appengine.datastore import datastore_stub_util


class ApplyOnCommitConsistencyPolicy(datastore_stub_util.BaseHighReplicationConsistencyPolicy):
    """High-replication semantics with every commit written to storage before the call returns.

    The SDK's HR policies only queue a commit in memory and apply it at the next global query or at a clean
    shutdown, so a server that is killed loses writes it has acknowledged. (`time` and `random` still queue
    on purpose: that is the eventual consistency they simulate.)
    """

    def _OnCommit(self, txn):
        for tracker in txn._GetAllTrackers():  # pylint: disable=protected-access
            meta_data = tracker._meta_data  # pylint: disable=protected-access
            with meta_data._write_lock:  # pylint: disable=protected-access
                meta_data.CatchUp()

    def _ShouldApply(self, txn, meta_data):
        return True


# Choices for ApiServerConfig.datastore_consistency.
CONSISTENCY_POLICIES = {
    # Every write is stored and visible to every query before the commit returns: deterministic and durable.
    'consistent': ApplyOnCommitConsistencyPolicy,
    # Production-like eventual consistency of non-ancestor queries, as dev_appserver simulates it.
    'time': datastore_stub_util.TimeBasedHRConsistencyPolicy,
    'random': datastore_stub_util.PseudoRandomHRConsistencyPolicy,
}


class SqliteDatastoreStub(datastore_sqlite_stub.DatastoreSqliteStub):
    """The SDK's SQLite datastore stub, fixed for many concurrent clients.

    - The SDK's base class takes its fourth positional argument as `verbose` (log every SQL statement), where
      dev_appserver's stub_util.setup_stubs passes `trusted`: this class takes `trusted` and passes it by name.
    - Transaction handles are `id()`s of the stub's transaction objects, so a finished transaction's handle
      soon names another caller's live one. ndb sends its failed attempt as `previous_transaction` when it
      retries, and the stub rolls back whatever that handle names now: another request's transaction. The
      hint only releases a transaction ndb has already finished (a failed commit removes it), so it is
      dropped.
    - The SDK runs SQLite with `synchronous = OFF` on a rollback journal, which creates and deletes a
      journal file at every commit. A write-ahead log makes a commit one append to the log (ndb put p50
      1.9 -> 1.6 ms). Durability is the SDK's, unchanged: a commit is in the OS's page cache when the call
      returns, so it survives the API server or the container dying, not an OS crash or power cut
      (`synchronous = NORMAL` would add that for a WAL, but its checkpoint fsyncs doubled put p99).
    - The SDK commits each entity it writes, so a commit of several entities reached the file one entity at a
      time. Each entity group's commit is now one SQLite transaction: the app's workers read the file
      (sqlite_reads.py), and must never see half of a commit.
    """

    # While set, the one thread holding the connection writes without committing (_one_commit).
    _commits_deferred = 0

    def __init__(self, app_id, datastore_path, require_indexes, trusted, **keywords):
        datastore_sqlite_stub.DatastoreSqliteStub.__init__(self, app_id, datastore_path, require_indexes,
                                                          trusted=trusted, **keywords)
        connection = self._GetConnection()
        try:
            # Kept in the file: it stays a WAL database across restarts and Clear().
            connection.execute('PRAGMA journal_mode = WAL')
        finally:
            self._ReleaseConnection(connection)

    def _GetMetaData(self, entity_group):  # pylint: disable=invalid-name
        """BaseTransactionManager's, with meta data that applies its entity group's commits in one SQLite
        transaction."""
        with self._meta_data_lock:
            key = datastore_types.ReferenceToKeyValue(entity_group)
            meta_data = self._meta_data.get(key)
            if meta_data is None:
                meta_data = self._meta_data[key] = _AppliedInOneCommit(entity_group, self)
            return meta_data

    @contextlib.contextmanager
    def _one_commit(self, entity_group):
        """Holds the connection, and commits what is written meanwhile once, at the end."""
        connection = self._GetConnection()
        try:
            # Creates the namespace's tables if they are new, now: that script commits whatever is pending.
            self._GetTablePrefix(entity_group)
            self._commits_deferred += 1
            try:
                yield
            finally:
                self._commits_deferred -= 1
        finally:
            self._ReleaseConnection(connection)

    def _ReleaseConnection(self, conn):  # pylint: disable=invalid-name
        if self._commits_deferred:
            # Only the thread in _one_commit can get here: it holds the connection's lock (re-entrant).
            self._DatastoreSqliteStub__connection_lock.release()  # pylint: disable=no-member
        else:
            datastore_sqlite_stub.DatastoreSqliteStub._ReleaseConnection(self, conn)

    def _UpdateIndexes(self):  # pylint: disable=invalid-name
        """dev_appserver's stub adds every new query's index to the app's index.yaml (creating the file): App
        Engine never wrote the app's files, and here they are read-only (each query shape logged an error)."""

    def _Dynamic_BeginTransaction(self, request, transaction):  # pylint: disable=invalid-name
        request.clear_previous_transaction()
        datastore_sqlite_stub.DatastoreSqliteStub._Dynamic_BeginTransaction(self, request, transaction)


class _AppliedInOneCommit(datastore_stub_util.EntityGroupMetaData):
    """An entity group's meta data whose pending commits are stored in one SQLite transaction."""

    def __init__(self, entity_group, stub):
        datastore_stub_util.EntityGroupMetaData.__init__(self, entity_group)
        self._stub = stub

    def CatchUp(self):  # pylint: disable=invalid-name
        if self._apply_queue:  # most calls (every snapshot) find nothing to apply
            with self._stub._one_commit(self._entity_group):  # pylint: disable=protected-access
                datastore_stub_util.EntityGroupMetaData.CatchUp(self)
