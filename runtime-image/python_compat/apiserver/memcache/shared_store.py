"""The memcache of one container: a SQLite file that the app's workers and the API server each open, so a call is
served inside the process that makes it instead of crossing to the API server.

Why: a call to another process costs two process wake-ups and four protocol-buffer passes (about 100 us on a
2-vCPU VM, against 12 us for the SDK's stub in-process); a get on this file costs about 10 us, an increment 20.

App Engine's semantics are the SDK's MemcacheServiceStub's (SDK 1.9.88, memcache_stub.py), operation by operation:
- an expiration of 0 never expires, up to 30 days is relative, beyond is a Unix time; an expired value is a miss;
- a delete with a lock-out time keeps the key locked until then: gets miss, add, replace and cas store nothing,
  set and an increment with an initial value store over it;
- increments parse the value as an integer in [0, 2**64), floor decrements at 0 and wrap increments at 2**64;
- stats count hits, misses and hit bytes (key plus value) since the last flush_all, and the items and bytes held.
Where the SDK's stub differs from App Engine's memcache this store follows App Engine: an increment changes the
cas id (a cas after it fails, as memcached's does), and the store is bounded: beyond `max_bytes` of keys plus
values, the least recently used items are evicted. A value's use is recorded at most once a second.

Every operation is one SQLite transaction under an exclusive flock of `PATH.lock`, which serializes the processes
(and this process's threads through a lock of its own) without SQLite's sleep-and-retry; the kernel drops the flock
of a process that dies, and SQLite's write-ahead log drops a transaction that did not commit. Nothing is synced to
disk: a memcache may lose everything, and the file lives in the container's runtime directory. A connection is
never used across fork(): a forked worker opens its own.

A get that hits a value used within the last second writes nothing: its hit and miss counts wait in the process
and are added to the file's totals by its first operation STATS_FLUSH_SECONDS later or more, or when it answers
stats (a write per get would double its cost); a process that dies loses what it had not added. Cas ids are
random 62-bit numbers rather than a counter in the file, for the same reason: only their inequality matters.
"""

import fcntl
import os
import sqlite3
import struct
import threading
import time

# Set policies, as memcache_service_pb.MemcacheSetRequest numbers them.
SET, ADD, REPLACE, CAS = 1, 2, 3, 4
# Set outcomes.
STORED, NOT_STORED, EXISTS = 'stored', 'not stored', 'exists'
# An increment's outcome when the value is not an integer in [0, 2**64).
INVALID = 'invalid'
UINT64 = 2 ** 64
# An expiration above this many seconds is a Unix time (30 days, as memcached and the SDK read it).
MAX_RELATIVE_EXPIRATION = 86400 * 30
# Seconds between two records of a value's use: a get that hits writes nothing more often.
USE_RESOLUTION_SECONDS = 1.0
# Seconds a process keeps hit and miss counts before a get writes them.
STATS_FLUSH_SECONDS = 1.0
# Least recently used items read per eviction round.
EVICTION_BATCH = 64
# SQLite's page cache per connection, in KiB (negative cache_size): the file's pages stay in the OS's cache.
PAGE_CACHE_KIB = 512

_SCHEMA = (
    'CREATE TABLE IF NOT EXISTS items (namespace BLOB NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL, '
    'flags INTEGER NOT NULL, cas INTEGER NOT NULL, expires REAL, locked INTEGER NOT NULL, created REAL NOT NULL, '
    'used REAL NOT NULL, size INTEGER NOT NULL, PRIMARY KEY (namespace, key)) WITHOUT ROWID',
    'CREATE INDEX IF NOT EXISTS items_by_use ON items (used)',
    'CREATE TABLE IF NOT EXISTS totals (id INTEGER PRIMARY KEY CHECK (id = 1), bytes INTEGER NOT NULL, '
    'hits INTEGER NOT NULL, misses INTEGER NOT NULL, byte_hits INTEGER NOT NULL)',
    'INSERT OR IGNORE INTO totals VALUES (1, 0, 0, 0, 0)',
)
_SELECT = 'SELECT value, flags, cas, expires, locked, used FROM items WHERE namespace = ? AND key = ?'
_DELETE = 'DELETE FROM items WHERE namespace = ? AND key = ?'
_INSERT = 'INSERT INTO items VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)'
_UPDATE = ('UPDATE items SET value = ?, flags = ?, cas = ?, expires = ?, locked = 0, created = ?, size = ? '
           'WHERE namespace = ? AND key = ?')
_UPDATE_AND_USE = ('UPDATE items SET value = ?, flags = ?, cas = ?, expires = ?, locked = 0, created = ?, size = ?, '
                   'used = ? WHERE namespace = ? AND key = ?')


class _Entry(object):
    __slots__ = ('value', 'flags', 'cas', 'expires', 'locked', 'used')

    def __init__(self, row):
        value, self.flags, self.cas, self.expires, locked, self.used = row
        self.value = str(value)
        self.locked = bool(locked)


class _Counts(object):
    """Hits, misses and hit bytes this process counted and has not yet added to the file's totals."""

    def __init__(self):
        self.clear()

    def add(self, now, hits, misses, byte_hits):
        if self.since is None:
            self.since = now
        self.hits += hits
        self.misses += misses
        self.byte_hits += byte_hits

    def due(self, now):
        return self.since is not None and now - self.since >= STATS_FLUSH_SECONDS

    def write(self, db):
        if self.since is not None:
            db.execute('UPDATE totals SET hits = hits + ?, misses = misses + ?, byte_hits = byte_hits + ?',
                       (self.hits, self.misses, self.byte_hits))
        self.clear()

    def clear(self):
        self.hits = self.misses = self.byte_hits = 0
        self.since = None


class _Transaction(object):
    """One operation's view of the store: `now`, and what it changes in the totals (written at its end, with the
    process's pending counts when they are due)."""

    def __init__(self, db, now, counts):
        self.db = db
        self.now = now
        self.counts = counts
        self.bytes_added = 0

    def entry(self, namespace, key):
        """The key's _Entry, or None when it is missing or expired (an expired one is removed)."""
        row = self.db.execute(_SELECT, (namespace, key)).fetchone()
        if row is None:
            return None
        entry = _Entry(row)
        if entry.expires is not None and self.now >= entry.expires:
            self.remove(namespace, key, entry)
            return None
        return entry

    def remove(self, namespace, key, entry):
        self.db.execute(_DELETE, (namespace, key))
        self.bytes_added -= _size(key, entry.value)

    def store(self, namespace, key, value, flags, expires, replaced):
        """Writes an unlocked value with a new cas id over `replaced` (its _Entry, or None)."""
        size = _size(key, value)
        if replaced is None:
            self.db.execute(_INSERT, (namespace, key, buffer(value), flags, new_cas_id(), expires, self.now, self.now,
                                   size))
        else:
            # In place. Its use is recorded as a get's is, at most once a second: setting `used` moves its entry in
            # the index, a third of the transaction.
            values = (buffer(value), flags, new_cas_id(), expires, self.now, size)
            if self.now - replaced.used >= USE_RESOLUTION_SECONDS:
                self.db.execute(_UPDATE_AND_USE, values + (self.now, namespace, key))
            else:
                self.db.execute(_UPDATE, values + (namespace, key))
            self.bytes_added -= _size(key, replaced.value)
        self.bytes_added += size

    def finish(self, max_bytes):
        if self.counts.due(self.now):
            self.counts.write(self.db)
        if self.bytes_added:
            self.db.execute('UPDATE totals SET bytes = bytes + ?', (self.bytes_added,))
            if self.bytes_added > 0:
                self._evict(max_bytes)

    def _evict(self, max_bytes):
        held = self.db.execute('SELECT bytes FROM totals').fetchone()[0]
        if held <= max_bytes:
            return
        while held > max_bytes:
            oldest = self.db.execute('SELECT namespace, key, size FROM items ORDER BY used LIMIT ?',
                                     (EVICTION_BATCH,)).fetchall()
            if not oldest:
                break
            for namespace, key, size in oldest:
                if held <= max_bytes:
                    break
                self.db.execute(_DELETE, (namespace, key))
                held -= size
        self.db.execute('UPDATE totals SET bytes = ?', (held,))


def _size(key, value):
    return len(key) + len(value)


def new_cas_id():
    """A cas id no other value of the key had: 62 random bits from the OS (workers forked from one process share
    the state of Python's own generator)."""
    return (struct.unpack('!Q', os.urandom(8))[0] >> 2) + 1


def expiry(now, expiration):
    """The Unix time at which a value stored at `now` with memcache's `expiration` expires; None: never."""
    if not expiration:
        return None
    return float(expiration) if expiration > MAX_RELATIVE_EXPIRATION else now + expiration


class SharedMemcacheStore(object):
    """The memcache in the SQLite file at `path` (created when missing), holding at most `max_bytes` of keys and
    values. Namespaces, keys and values are byte strings."""

    def __init__(self, path, max_bytes, clock=time.time):
        self.path = path
        self.max_bytes = max_bytes
        self._clock = clock
        self._thread_lock = threading.Lock()
        self._pid = None
        self._db = None
        self._lock_file = None
        # Connections opened before a fork: never used nor closed again in the child.
        self._inherited = []
        self._counts = _Counts()

    def get(self, namespace, keys):
        """[(key, value, flags, cas id)] of the keys that hit, each key once."""
        return self._run(self._get, namespace, keys, reading=True)

    def set(self, namespace, items):
        """Stores items (key, value, flags, policy, expiration, cas id or None); returns their outcomes."""
        return self._run(self._set, namespace, items)

    def delete(self, namespace, items):
        """Deletes items (key, lock-out seconds or Unix time, 0 for none); returns for each whether it was held."""
        return self._run(self._delete, namespace, items)

    def offset(self, namespace, items):
        """Increments items (key, delta, decrement, initial value or None, initial flags); returns each new value,
        None for a missing key without an initial value, or INVALID (the value is left as it was)."""
        return self._run(self._offset, namespace, items)

    def flush_all(self):
        self._run(self._flush_all)

    def stats(self):
        """{hits, misses, byte_hits, items, bytes, oldest_item_age}."""
        return self._run(self._stats)

    def close(self):
        with self._thread_lock:
            if self._db is not None and self._pid == os.getpid():
                self._db.close()
                self._lock_file.close()
            self._db = self._lock_file = self._pid = None

    def _run(self, operation, *arguments, **options):
        """The operation's result, run in one transaction; `reading=True` for one that usually writes nothing (a
        deferred transaction, which takes SQLite's write lock only if it writes: no other process can then hold
        it, as they all wait for the flock)."""
        with self._thread_lock:
            if self._pid != os.getpid():
                self._open()
            fcntl.flock(self._lock_file, fcntl.LOCK_EX)
            try:
                self._db.execute('BEGIN' if options.get('reading') else 'BEGIN IMMEDIATE')
                try:
                    transaction = _Transaction(self._db, self._clock(), self._counts)
                    result = operation(transaction, *arguments)
                    transaction.finish(self.max_bytes)
                except BaseException:
                    self._db.execute('ROLLBACK')
                    raise
                self._db.execute('COMMIT')
                return result
            finally:
                fcntl.flock(self._lock_file, fcntl.LOCK_UN)

    def _open(self):
        if self._db is not None:
            self._inherited.append((self._db, self._lock_file))
        self._db = self._lock_file = None
        lock_file = open(self.path + '.lock', 'a')
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            db.execute('PRAGMA journal_mode = WAL')
            db.execute('PRAGMA synchronous = OFF')
            db.execute('PRAGMA cache_size = -%d' % PAGE_CACHE_KIB)
            for statement in _SCHEMA:
                db.execute(statement)
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)
        self._db, self._lock_file, self._pid = db, lock_file, os.getpid()
        # Counted by the process this one was forked from, which adds them itself.
        self._counts = _Counts()

    @staticmethod
    def _get(transaction, namespace, keys):
        namespace = buffer(namespace)
        hits, misses, byte_hits, found = 0, 0, 0, []
        for key in set(keys):
            entry = transaction.entry(namespace, buffer(key))
            if entry is None or entry.locked:
                misses += 1
                continue
            hits += 1
            byte_hits += _size(key, entry.value)
            found.append((key, entry.value, entry.flags, entry.cas))
            if transaction.now - entry.used >= USE_RESOLUTION_SECONDS:
                transaction.db.execute('UPDATE items SET used = ? WHERE namespace = ? AND key = ?',
                                    (transaction.now, namespace, buffer(key)))
        transaction.counts.add(transaction.now, hits, misses, byte_hits)
        return found

    @staticmethod
    def _set(transaction, namespace, items):
        namespace = buffer(namespace)
        outcomes = []
        for key, value, flags, policy, expiration, cas_id in items:
            old = transaction.entry(namespace, buffer(key))
            outcome = _set_outcome(old, policy, cas_id)
            if outcome == STORED:
                transaction.store(namespace, buffer(key), value, flags, expiry(transaction.now, expiration), old)
            outcomes.append(outcome)
        return outcomes

    @staticmethod
    def _delete(transaction, namespace, items):
        namespace = buffer(namespace)
        outcomes = []
        for key, lock_out in items:
            stored_key = buffer(key)
            entry = transaction.entry(namespace, stored_key)
            outcomes.append(entry is not None)
            if entry is None:
                continue
            transaction.remove(namespace, stored_key, entry)
            if lock_out:
                # Stays, empty, until the lock-out ends: add and replace see it, gets do not.
                transaction.db.execute('INSERT INTO items VALUES (?, ?, ?, 0, 0, ?, 1, ?, ?, ?)',
                                    (namespace, stored_key, buffer(''), expiry(transaction.now, lock_out),
                                     transaction.now, transaction.now, len(key)))
                transaction.bytes_added += len(key)
        return outcomes

    @staticmethod
    def _offset(transaction, namespace, items):
        namespace = buffer(namespace)
        return [_offset_one(transaction, namespace, item) for item in items]

    @staticmethod
    def _flush_all(transaction):
        transaction.counts.clear()  # counted before the flush: reset with the totals
        transaction.db.execute('DELETE FROM items')
        transaction.db.execute('UPDATE totals SET bytes = 0, hits = 0, misses = 0, byte_hits = 0')

    @staticmethod
    def _stats(transaction):
        transaction.counts.write(transaction.db)
        hits, misses, byte_hits = transaction.db.execute('SELECT hits, misses, byte_hits FROM totals').fetchone()
        items, held = transaction.db.execute(
            'SELECT COUNT(*), COALESCE(SUM(size), 0) FROM items WHERE locked = 0').fetchone()
        oldest = transaction.db.execute(
            'SELECT created FROM items WHERE locked = 0 ORDER BY used LIMIT 1').fetchone()
        return {'hits': hits, 'misses': misses, 'byte_hits': byte_hits, 'items': items, 'bytes': held,
                'oldest_item_age': int(transaction.now - oldest[0]) if oldest else 0}


def _set_outcome(old, policy, cas_id):
    """The SDK stub's decision for one item of a set, given what the key holds (an _Entry, or None)."""
    if policy == SET or (policy == ADD and old is None) or (policy == REPLACE and old is not None):
        return STORED if old is None or policy == SET or not old.locked else NOT_STORED
    if policy == CAS and cas_id is not None:
        if old is None or old.locked:
            return NOT_STORED
        return EXISTS if old.cas != cas_id else STORED
    return NOT_STORED


def _offset_one(transaction, namespace, item):
    key, delta, decrement, initial_value, initial_flags = item
    stored_key = buffer(key)
    entry = transaction.entry(namespace, stored_key)
    if entry is None or entry.locked:
        if initial_value is None:
            return None
        value, flags, expires = str(initial_value), initial_flags, None
    else:
        value, flags, expires = entry.value, entry.flags, entry.expires
    try:
        old_value = long(value)
    except ValueError:
        return INVALID
    if not 0 <= old_value < UINT64:
        return INVALID
    new_value = max(old_value - delta if decrement else old_value + delta, 0) % UINT64
    transaction.store(namespace, stored_key, str(new_value), flags, expires, entry)
    return new_value
