"""The default datastore backend: the SDK's SQLite stub under the storage path, durable at every commit."""

import contextlib

from google.appengine.api import datastore_types
from google.appengine.datastore import datastore_sqlite_stub
from google.appengine.datastore import datastore_stub_util
from google.appengine.datastore import entity_pb

from python_compat.apiserver.datastore import process_turn
from python_compat.apiserver.tasks import held_actions


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


# Commits logged by entity group, for the other processes on the file to catch up with (SqliteDatastoreStub).
# (Without AUTOINCREMENT, whose sqlite_sequence table the stub's Clear() cannot drop: pruning keeps the last rows,
# so a new row's seq is still above every earlier one's.)
_ENTITY_GROUP_COMMITS_SCHEMA = ('CREATE TABLE IF NOT EXISTS EntityGroupCommits ('
                                'seq INTEGER PRIMARY KEY, entity_group BLOB NOT NULL)')
_LAST_COMMIT = 'SELECT COALESCE(MAX(seq), 0) FROM EntityGroupCommits'
_COMMITS_SINCE = 'SELECT seq, entity_group FROM EntityGroupCommits WHERE seq > ? ORDER BY seq'
_LOG_COMMIT = 'INSERT INTO EntityGroupCommits (entity_group) VALUES (?)'
_PRUNE_COMMITS = 'DELETE FROM EntityGroupCommits WHERE seq <= ?'
_LAST_COMMIT_TIMESTAMP = 'SELECT commit_timestamp FROM CommitTimestamps WHERE prefix = ""'
# The log keeps the last KEPT_COMMITS commits, pruned every PRUNE_COMMITS_EVERY: a process that has not caught up
# with more than that forgets every group.
KEPT_COMMITS = 10000
PRUNE_COMMITS_EVERY = 1000

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
    - Every process of the container runs one on the same file: the API server, and each gunicorn worker for
      its app's own calls (apiclient/datastore_here.py). The SDK's stub keeps what it knows of each entity
      group in memory (its cached contents, and the count of its commits that a transaction's commit checks
      against its reads), so processes take turns (process_turn.py): each call is made in its process's turn,
      each commit is logged by entity group in the file (EntityGroupCommits), and a stub that finds at the
      start of its turn that another process committed (`PRAGMA data_version`) forgets what it cached of those
      groups and counts a commit on each, so its own transactions that read them fail as concurrent, as they
      would have in one process. It also takes the last commit timestamp and the namespaces from the file.
    """

    # While set, the one thread holding the connection writes without committing (_one_commit).
    _commits_deferred = 0

    def __init__(self, app_id, datastore_path, require_indexes, trusted, **keywords):
        self._turn = process_turn.ProcessTurn(datastore_path)
        with self._turn.held():
            datastore_sqlite_stub.DatastoreSqliteStub.__init__(self, app_id, datastore_path, require_indexes,
                                                              trusted=trusted, **keywords)
            connection = self._GetConnection()
            try:
                # Kept in the file: it stays a WAL database across restarts and Clear().
                connection.execute('PRAGMA journal_mode = WAL')
                connection.execute(_ENTITY_GROUP_COMMITS_SCHEMA)
                self._seen_commit = connection.execute(_LAST_COMMIT).fetchone()[0]
                self._seen_data_version = connection.execute('PRAGMA data_version').fetchone()[0]
            finally:
                self._ReleaseConnection(connection)

    def Clear(self):  # pylint: disable=invalid-name
        """Drops every table, this log's too, and starts again (tests): the log starts again with it."""
        with self._own_turn():
            datastore_sqlite_stub.DatastoreSqliteStub.Clear(self)
            connection = self._GetConnection()
            try:
                connection.execute(_ENTITY_GROUP_COMMITS_SCHEMA)
                self._seen_commit = 0
            finally:
                self._ReleaseConnection(connection)

    def MakeSyncCall(self, service, call, request, response, request_id=None):  # pylint: disable=invalid-name
        if call == 'AddActions' and held_actions.are_held_by_caller():
            # Tasks checked and named for an app process whose own transaction holds them. Without waiting for a
            # turn: that process may hold it, waiting for the task queue this call is made from.
            return
        with self._own_turn():
            return datastore_sqlite_stub.DatastoreSqliteStub.MakeSyncCall(self, service, call, request, response,
                                                                         request_id)

    def Write(self):  # pylint: disable=invalid-name
        """Applies what is pending (at exit, and at Close()): in this process's turn, which a commit takes before
        the meta data's locks."""
        pending = [meta_data for meta_data in self._meta_data.values()
                   if meta_data._apply_queue]  # pylint: disable=protected-access
        if not pending:
            return  # as always with the `consistent` policy; the stub may be closed already
        with self._own_turn():
            datastore_sqlite_stub.DatastoreSqliteStub.Write(self)

    @contextlib.contextmanager
    def _own_turn(self):
        """This process's turn on the file, caught up with what other processes committed before it."""
        with self._turn.held() as taken:
            if taken:
                self._catch_up()
            yield

    def _catch_up(self):
        connection = self._GetConnection()
        try:
            data_version = connection.execute('PRAGMA data_version').fetchone()[0]
            if data_version == self._seen_data_version:
                return  # nobody else committed
            self._seen_data_version = data_version
            commits = connection.execute(_COMMITS_SINCE, (self._seen_commit,)).fetchall()
            last_commit = commits[-1][0] if commits else connection.execute(_LAST_COMMIT).fetchone()[0]
            if (commits[0][0] if commits else last_commit + 1) != self._seen_commit + 1:
                # Commits this stub has not seen were pruned, or the log was cleared: any group may have changed.
                groups = list(self._meta_data.values())
            else:
                groups = filter(None, (self._meta_data.get(_group_key(encoded)) for _, encoded in commits))
            for meta_data in groups:
                meta_data._log_pos += 1  # pylint: disable=protected-access
                meta_data._snapshot = None  # pylint: disable=protected-access
            self._seen_commit = last_commit
            row = connection.execute(_LAST_COMMIT_TIMESTAMP).fetchone()
            if row and row[0] > self._commit_timestamp:
                self._commit_timestamp = row[0]
            # The stub creates a namespace's tables when it first sees it, which another process may have done.
            self._DatastoreSqliteStub__namespaces = set(  # pylint: disable=attribute-defined-outside-init
                connection.execute('SELECT app_id, name_space FROM Namespaces').fetchall())
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
        """Holds the connection in this process's turn, logs a commit on `entity_group` and commits what is
        written meanwhile with it, once, at the end."""
        with self._own_turn():
            connection = self._GetConnection()
            try:
                # Creates the namespace's tables if they are new, now: that script commits whatever is pending.
                self._GetTablePrefix(entity_group)
                self._commits_deferred += 1
                try:
                    self._log_commit(connection, entity_group)
                    yield
                finally:
                    self._commits_deferred -= 1
            finally:
                self._ReleaseConnection(connection)

    def _log_commit(self, connection, entity_group):
        sequence = connection.execute(_LOG_COMMIT, (buffer(entity_group.Encode()),)).lastrowid
        # Every commit before it was caught up with when this turn began.
        self._seen_commit = sequence
        if sequence % PRUNE_COMMITS_EVERY == 0:
            connection.execute(_PRUNE_COMMITS, (sequence - KEPT_COMMITS,))

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


def _group_key(encoded_group):
    """The key of the stub's meta data of a logged entity group."""
    return datastore_types.ReferenceToKeyValue(entity_pb.Reference(str(encoded_group)))
