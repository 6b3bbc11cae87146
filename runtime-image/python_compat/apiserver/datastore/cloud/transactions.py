"""Transactions: v3 handles for v1 transactions, the entity groups each touches, the writes and tasks it holds.

v3 names a transaction by a 64-bit handle; v1 by opaque bytes. A v3 put or delete inside a transaction
returns at once, so its mutation is held here and sent with the v1 Commit; so are its transactional tasks,
which are enqueued only once that commit succeeds. v1 has no single-group transaction, so App Engine's rules
are kept here: a transaction without `xg` may touch one entity group, an XG transaction 25.

A transaction whose v1 call failed is rolled back by the stub at once (see stub.py) and remembered as failed: the
app's own Rollback of it is then answered as done, and any other call naming it gets TransactionFailedError.
"""

import collections
import os
import struct
import threading
import time

from python_compat.apiserver.datastore.cloud import errors

MAX_ENTITY_GROUPS = 25
# App Engine's limit on the tasks one transaction may enqueue.
MAX_TASKS = 5
# A transaction nobody has used for this long is forgotten (App Engine's expired after 60 s, v1's sooner
# than this); a later call naming it gets App Engine's error for an expired transaction.
IDLE_SECONDS = 600
# Finished transactions remembered so a retry can name its failed attempt as `previous_transaction`.
REMEMBERED_FINISHED = 1000


class Transaction(object):
    """One live transaction: its v1 id and what it has touched and holds."""

    def __init__(self, handle, app, v1_transaction, allow_multiple_groups, read_only):
        self.handle = handle
        self.app = app
        self.v1_transaction = v1_transaction
        self.allow_multiple_groups = allow_multiple_groups
        self.read_only = read_only
        self.groups = set()
        # key identity -> v1 Mutation; a later write of the same key replaces the earlier one, as on App Engine.
        self.mutations = collections.OrderedDict()
        self.tasks = []
        self.last_used = time.time()

    def touch(self, key_identities):
        """Records the entity groups of keys (conversion.key_identity) the transaction reads or writes;
        BadRequestError past App Engine's limits, with App Engine's words."""
        for namespace, path in key_identities:
            group = (namespace, path[0])
            if group in self.groups:
                continue
            if not self.allow_multiple_groups and self.groups:
                raise errors.bad_request('cross-groups transaction need to be explicitly specified (xg=True)')
            if len(self.groups) >= MAX_ENTITY_GROUPS:
                raise errors.bad_request('operating on too many entity groups in a single transaction.')
            self.groups.add(group)

    def hold(self, key_identity, mutation):
        """Keeps a v1 Mutation until Commit."""
        if self.read_only:
            raise errors.bad_request('Cannot modify entities in a read-only transaction.')
        self.mutations.pop(key_identity, None)
        self.mutations[key_identity] = mutation

    def add_tasks(self, add_requests):
        """Keeps taskqueue Add requests to enqueue once the commit succeeds."""
        if self.read_only:
            raise errors.bad_request('Cannot add actions in a read-only transaction.')
        if len(self.tasks) + len(add_requests) > MAX_TASKS:
            raise errors.bad_request('Too many messages, maximum allowed %d' % MAX_TASKS)
        self.tasks.extend(add_requests)


class TransactionTable(object):
    """The live transactions of the server by handle; safe for concurrent greenlets and threads."""

    def __init__(self, clock=time.time):
        self._clock = clock
        self._live = {}
        self._finished = collections.OrderedDict()
        self._lock = threading.Lock()

    def begin(self, app, v1_transaction, allow_multiple_groups, read_only=False):
        """Registers a new transaction; returns it (its handle is random, so handles are never reused)."""
        with self._lock:
            self._forget_idle()
            handle = _random_handle()
            while handle in self._live:
                handle = _random_handle()
            transaction = Transaction(handle, app, v1_transaction, allow_multiple_groups, read_only)
            transaction.last_used = self._clock()
            self._live[handle] = transaction
            return transaction

    def get(self, v3_transaction):
        """The live Transaction a datastore_pb.Transaction names; App Engine's TransactionFailedError when it was
        rolled back after a failed call, BadRequestError when it is unknown, finished or expired."""
        with self._lock:
            transaction = self._live.get(v3_transaction.handle())
            if transaction is None or transaction.app != v3_transaction.app():
                if self._failed(v3_transaction):
                    raise errors.transaction_failed('the transaction was rolled back when a call inside it failed')
                raise errors.bad_request('transaction has expired or is invalid')
            transaction.last_used = self._clock()
            return transaction

    def finish(self, transaction, failed=False):
        """Forgets a committed or rolled back transaction (remembering its v1 id for a retry's hint); False when
        it was not live any more (then nothing changes).

        failed: it is being rolled back because a call inside it failed (see was_rolled_back_after_failure).
        """
        with self._lock:
            if self._live.pop(transaction.handle, None) is None:
                return False
            self._finished[transaction.handle] = _Finished(transaction.app, transaction.v1_transaction, failed)
            while len(self._finished) > REMEMBERED_FINISHED:
                self._finished.popitem(last=False)
            return True

    def was_rolled_back_after_failure(self, v3_transaction):
        """True when the datastore_pb.Transaction names a transaction finished with `failed=True`."""
        with self._lock:
            return self._failed(v3_transaction)

    def v1_transaction_of(self, handle):
        """The v1 id of a live or recently finished transaction, or None."""
        with self._lock:
            transaction = self._live.get(handle) or self._finished.get(handle)
            return transaction.v1_transaction if transaction else None

    def _failed(self, v3_transaction):
        finished = self._finished.get(v3_transaction.handle())
        return finished is not None and finished.failed and finished.app == v3_transaction.app()

    def _forget_idle(self):
        oldest = self._clock() - IDLE_SECONDS
        for handle in [handle for handle, live in self._live.items() if live.last_used < oldest]:
            del self._live[handle]


_Finished = collections.namedtuple('_Finished', 'app v1_transaction failed')


def _random_handle():
    return struct.unpack('<Q', os.urandom(8))[0] & 0x7fffffffffffffff or 1
