"""Keeps the task queue stub's tasks on disk, each change written before the call that made it returns.

The SDK's stub holds tasks only in memory. This store mirrors them in SQLite under the storage path
(taskqueue.db): one row per stored task (its retry count, ETA or lease, and the request that added it) and one
per name used (App Engine's tombstones: a name stays taken after its task ran or was deleted).

Changes are noted where the stub makes them (a task inserted, deleted, postponed or leased, a retry counted, a
queue purged), by wrapping those methods of each queue, and write_changes() writes the tasks they touched in one
transaction. The server calls it after every task queue call and before the reply, so an add costs the rows of
its own tasks, however many tasks are stored. A commit is in the operating system's hands when it returns (a
write-ahead log, as the datastore's), so a task whose add returned survives the API server being killed; a task
that was running when the server died runs again (App Engine, too, ran tasks at least once).
"""

import contextlib
import logging
import os
import re
import sqlite3

from google.appengine.api.taskqueue import taskqueue_service_pb

_log = logging.getLogger(__name__)
DATABASE_FILE = 'taskqueue.db'
_SCHEMA = (
    'CREATE TABLE IF NOT EXISTS tasks (queue TEXT NOT NULL, name TEXT NOT NULL, task BLOB NOT NULL, '
    'add_request BLOB, PRIMARY KEY (queue, name))',
    'CREATE TABLE IF NOT EXISTS tombstones (queue TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (queue, name))',
)
# The names the stub chooses for tasks added without one.
_CHOSEN_NAME = re.compile(r'^task([0-9]+)$')


# A stored task is a protocol buffer group, which only encodes inside its message: a QueryTasksResponse.
def _encode_task(task):
    response = taskqueue_service_pb.TaskQueueQueryTasksResponse()
    response.add_task().CopyFrom(task)
    return sqlite3.Binary(response.Encode())


def _decode_task(data):
    response = taskqueue_service_pb.TaskQueueQueryTasksResponse()
    response.ParseFromString(str(data))
    return response.task(0)


def _decode_add_request(data):
    request = taskqueue_service_pb.TaskQueueAddRequest()
    request.ParseFromString(str(data))
    return request


class TaskStore(object):
    """The task database of one storage directory, mirroring the queues of one taskqueue_stub._Group."""

    def __init__(self, storage_path):
        self.path = os.path.join(storage_path, DATABASE_FILE)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        # A commit is one append to the log; synchronous=NORMAL keeps the file consistent through a power cut
        # (the last commits may be lost then) and adds an fsync only when the log is checkpointed.
        self._db.execute('PRAGMA journal_mode = WAL')
        self._db.execute('PRAGMA synchronous = NORMAL')
        for statement in _SCHEMA:
            self._db.execute(statement)
        self._group = None
        self._changed = set()
        self._tombstoned = set()
        self._purged = set()
        self._stored_queues = set()

    def load_into(self, group):
        """Restores the stored tasks and used names into `group`; returns the number of tasks restored.

        Queues no longer defined (queue.yaml) are dropped with a warning; tasks already present are left alone."""
        restored = 0
        highest_chosen = 0
        queues = {}
        group.GetQueues()  # reads queue.yaml: until then the group knows only the automatic queues
        for queue_name, name, task_data, add_request_data in self._db.execute(
                'SELECT queue, name, task, add_request FROM tasks ORDER BY queue, name'):
            queue = self._queue(group, queue_name, queues)
            highest_chosen = max(highest_chosen, _chosen_number(name))
            if queue is None:
                continue
            with queue._lock:  # pylint: disable=protected-access
                if queue._LocateTaskByName(name) is not None:  # pylint: disable=protected-access
                    continue
                queue._InsertTask(_decode_task(task_data))  # pylint: disable=protected-access
            if add_request_data is not None:
                queue.task_add_request_pbs[name] = _decode_add_request(add_request_data)
            restored += 1
        for queue_name, name in self._db.execute('SELECT queue, name FROM tombstones'):
            highest_chosen = max(highest_chosen, _chosen_number(name))
            queue = self._queue(group, queue_name, queues)
            if queue is not None:
                queue.task_name_archive.add(name)
        # Names the stub chooses count up from 1 in every process: past the ones already used, or a task added
        # without a name after a restart would find its name taken.
        group._next_task_id = max(group._next_task_id, highest_chosen + 1)  # pylint: disable=protected-access
        for queue_name in [name for name, defined in queues.items() if defined is None]:
            self._delete_queue(queue_name)
        self._stored_queues = set(row[0] for row in self._db.execute('SELECT DISTINCT queue FROM tombstones'))
        return restored

    @staticmethod
    def _queue(group, queue_name, queues):
        """The queue of `group` called queue_name, None when it is no longer defined; `queues` remembers both."""
        if queue_name not in queues:
            valid = group._ValidateQueueName(queue_name)  # pylint: disable=protected-access
            if valid == taskqueue_service_pb.TaskQueueServiceError.OK:
                queues[queue_name] = group.GetQueue(queue_name)
            else:
                _log.warning('queue %s is no longer defined: dropping its stored tasks', queue_name)
                queues[queue_name] = None
        return queues[queue_name]

    def track(self, group):
        """Notes every change the stub makes to the queues of `group` from now on (write_changes writes them)."""
        self._group = group
        for queue in group._queues.values():  # pylint: disable=protected-access
            if queue is not None:
                self._track_queue(queue)
        construct_queue = group._ConstructQueue  # pylint: disable=protected-access

        def construct_tracked_queue(queue_name, *args, **kwargs):
            construct_queue(queue_name, *args, **kwargs)
            self._track_queue(group._queues[queue_name])  # pylint: disable=protected-access
        group._ConstructQueue = construct_tracked_queue  # pylint: disable=protected-access

    def _track_queue(self, queue):
        changed, tombstoned, purged = self._changed, self._tombstoned, self._purged
        queue_name = queue.queue_name

        def noting(method, note):
            def noted(*args, **kwargs):
                note(*args)
                return method(*args, **kwargs)
            return noted
        # The stub changes tasks only through these (each called with its lock held, or taking it).
        queue._InsertTask = noting(queue._InsertTask, lambda task: (  # pylint: disable=protected-access
            changed.add((queue_name, task.task_name())), tombstoned.add((queue_name, task.task_name()))))
        queue._DeleteNoAcquireLock = noting(queue._DeleteNoAcquireLock,  # pylint: disable=protected-access
                                            lambda name: changed.add((queue_name, name)))
        queue._PostponeTaskInsertOnly = noting(queue._PostponeTaskInsertOnly,  # pylint: disable=protected-access
                                               lambda task, eta: changed.add((queue_name, task.task_name())))
        queue._IncRetryCount = noting(queue._IncRetryCount,  # pylint: disable=protected-access
                                      lambda task: changed.add((queue_name, task.task_name())))
        queue.PurgeQueue = noting(queue.PurgeQueue, lambda: purged.add(queue_name))

    def write_changes(self):
        """Writes every change noted since the last call, in one transaction; raises sqlite3.Error when it cannot
        (the changes stay noted, to be written by the next call)."""
        queues = self._group._queues  # pylint: disable=protected-access
        gone = [name for name in self._stored_queues if queues.get(name) is None]
        if not (self._changed or self._tombstoned or self._purged or gone):
            return
        changed, tombstoned, purged = list(self._changed), list(self._tombstoned), list(self._purged)
        with self._transaction():
            for queue_name in purged:
                self._db.execute('DELETE FROM tasks WHERE queue = ?', (queue_name,))
            for queue_name, name in changed:
                self._write_task(queues.get(queue_name), queue_name, name)
            self._db.executemany('INSERT OR IGNORE INTO tombstones (queue, name) VALUES (?, ?)', tombstoned)
            # DeleteQueue, or a queue taken out of queue.yaml: its tasks and names went with it.
            for queue_name in gone:
                self._delete_queue(queue_name)
        self._changed.difference_update(changed)
        self._tombstoned.difference_update(tombstoned)
        self._purged.difference_update(purged)
        self._stored_queues.difference_update(gone)
        self._stored_queues.update(queue_name for queue_name, _ in tombstoned)

    def _write_task(self, queue, queue_name, name):
        task = _find_task(queue, name) if queue is not None else None
        if task is None:
            self._db.execute('DELETE FROM tasks WHERE queue = ? AND name = ?', (queue_name, name))
            return
        add_request = queue.task_add_request_pbs.get(name)
        self._db.execute('INSERT OR REPLACE INTO tasks (queue, name, task, add_request) VALUES (?, ?, ?, ?)',
                         (queue_name, name, _encode_task(task),
                          sqlite3.Binary(add_request.Encode()) if add_request is not None else None))

    def _delete_queue(self, queue_name):
        self._db.execute('DELETE FROM tasks WHERE queue = ?', (queue_name,))
        self._db.execute('DELETE FROM tombstones WHERE queue = ?', (queue_name,))

    @contextlib.contextmanager
    def _transaction(self):
        self._db.execute('BEGIN IMMEDIATE')
        try:
            yield
        except BaseException:
            self._db.execute('ROLLBACK')
            raise
        self._db.execute('COMMIT')

    def close(self):
        self._db.close()


def _find_task(queue, name):
    found = queue.Lookup(1, name=name)
    return found[0] if found and found[0].task_name() == name else None


def _chosen_number(name):
    match = _CHOSEN_NAME.match(name)
    return int(match.group(1)) if match else 0


def group_of(stub):
    """The queues of the app the stub serves (calls without an app id, which is every client's)."""
    return stub._GetGroup()  # pylint: disable=protected-access
