"""Keeps the task queue stub's tasks across API server restarts.

The SDK's stub holds tasks only in memory. A snapshot file under the storage path records, per queue, every
stored task (with its retry counts, ETA or lease) and the names already used (so a name stays taken after
its task ran, as App Engine's tombstones keep it). The server writes it shortly after each change and when
it stops, and loads it when it starts. A crash loses at most the last second of changes; a task that was
running when the server stopped runs again (App Engine, too, ran tasks at least once).
"""

import base64
import json
import logging
import os

from google.appengine.api.taskqueue import taskqueue_service_pb

_log = logging.getLogger(__name__)
SNAPSHOT_FILE = 'taskqueue.json'
FORMAT_VERSION = 1


def _encode(message):
    return base64.b64encode(message.Encode())


def _decode(message_class, text):
    message = message_class()
    message.ParseFromString(base64.b64decode(text))
    return message


# A stored task is a protocol buffer group, which only encodes inside its message: a QueryTasksResponse.
def _encode_task(task):
    response = taskqueue_service_pb.TaskQueueQueryTasksResponse()
    response.add_task().CopyFrom(task)
    return _encode(response)


def _decode_task(text):
    return _decode(taskqueue_service_pb.TaskQueueQueryTasksResponse, text).task(0)


def snapshot(group):
    """The tasks and used names of every queue in `group` (a taskqueue_stub._Group), as JSON-ready data."""
    queues = {}
    for name, queue in sorted(group.GetQueues().items()):
        if queue is None:
            continue
        tasks = []
        for task in queue.Lookup(queue.Count() + 1, name=''):
            add_request = queue.task_add_request_pbs.get(task.task_name())
            tasks.append({'task': _encode_task(task), 'add_request': _encode(add_request) if add_request else None})
        queues[name] = {'tasks': tasks, 'used_names': sorted(queue.task_name_archive)}
    return {'version': FORMAT_VERSION, 'queues': queues}


def restore(group, data):
    """Puts the tasks of a snapshot back into `group`; returns how many were restored.

    Queues no longer in queue.yaml are skipped with a warning; tasks already present are left alone.
    """
    restored = 0
    for name, saved in sorted(data.get('queues', {}).items()):
        # pylint: disable=protected-access
        if group._ValidateQueueName(name) != taskqueue_service_pb.TaskQueueServiceError.OK:
            _log.warning('queue %s is no longer defined: dropping its %d saved tasks', name, len(saved['tasks']))
            continue
        queue = group.GetQueue(name)
        with queue._lock:  # pylint: disable=protected-access
            for entry in saved['tasks']:
                task = _decode_task(entry['task'])
                if queue._LocateTaskByName(task.task_name()) is not None:  # pylint: disable=protected-access
                    continue
                queue._InsertTask(task)  # pylint: disable=protected-access
                if entry.get('add_request'):
                    queue.task_add_request_pbs[task.task_name()] = _decode(
                        taskqueue_service_pb.TaskQueueAddRequest, entry['add_request'])
                restored += 1
            queue.task_name_archive.update(saved.get('used_names', ()))
    return restored


class TaskStore(object):
    """The snapshot file of one storage directory."""

    def __init__(self, storage_path):
        self.path = os.path.join(storage_path, SNAPSHOT_FILE)

    def save(self, group):
        temporary = self.path + '.tmp'
        with open(temporary, 'wb') as output:
            json.dump(snapshot(group), output, separators=(',', ':'))
            output.flush()
            os.fsync(output.fileno())
        os.rename(temporary, self.path)

    def load_into(self, group):
        """Restores the saved tasks into `group`; returns their number (0 without a snapshot)."""
        if not os.path.exists(self.path):
            return 0
        try:
            with open(self.path, 'rb') as saved:
                data = json.load(saved)
        except (IOError, ValueError) as error:
            _log.error('%s: cannot read the saved tasks (%s); starting with empty queues', self.path, error)
            return 0
        if data.get('version') != FORMAT_VERSION:
            _log.error('%s: unknown format version %r; starting with empty queues', self.path, data.get('version'))
            return 0
        return restore(group, data)


def group_of(stub):
    """The queues of the app the stub serves (calls without an app id, which is every client's)."""
    return stub._GetGroup()  # pylint: disable=protected-access

