"""Task queues of the API server beyond the SDK stub's storage: push tasks run, tasks kept across restarts.

TaskService(stub, config).start() restores the stored tasks (task_store.py), writes the changes of every call that
changes the queues before the call returns, and runs one background greenlet that dispatches due push tasks to
config.task_target_url (when set), writing what their runs change as they finish. stop() ends it. Needs gevent
(the API server is monkey-patched): each task's HTTP exchange is a greenlet of its own.
"""

import logging
import sqlite3
import time

import gevent
import gevent.event

from google.appengine.api.taskqueue import taskqueue_service_pb
from google.appengine.runtime import apiproxy_errors

from python_compat.wire import internal_token
from python_compat.apiserver.tasks import push_dispatcher
from python_compat.apiserver.tasks import task_store

_log = logging.getLogger(__name__)
# The longest the loop sleeps: a safety net for changes nobody announced (queue.yaml edited, leases ending).
IDLE_SECONDS = 1.0
# Task queue calls that only read; every other call may change what is stored.
READ_ONLY_CALLS = frozenset(['FetchQueues', 'FetchQueueStats', 'QueryTasks', 'FetchTask', 'GetQueues',
                             'GetFilteredTasks', 'GetQueueStateInfo'])


class TaskService(object):
    def __init__(self, stub, config, clock=time.time):
        self._stub = stub
        self._group = task_store.group_of(stub)
        self._store = task_store.TaskStore(config.storage_path)
        self._clock = clock
        self._wake = gevent.event.Event()
        self._stopping = False
        self._loop = None
        self.dispatcher = None
        if config.task_target_url:
            target = push_dispatcher.HttpTarget(config.task_target_url)
            self.dispatcher = push_dispatcher.PushTaskDispatcher(
                self._group, self._send_with(target), self._queue_limits, internal_token.token(), self.changed)

    def _send_with(self, target):
        def send(request, done):
            def exchange():
                status = target.status_of(request)
                done(status, self._clock())
                self._wake.set()
            gevent.spawn(exchange)
        return send

    def _queue_limits(self):
        return push_dispatcher.limits_from_queue_info(self._stub._ParseQueueYaml())  # pylint: disable=protected-access

    def changed(self):
        """Called by the dispatcher when a task run changed the queues: writes the change, wakes the loop."""
        try:
            self._store.write_changes()
        except sqlite3.Error as error:
            # Kept noted: the next change writes it. Meanwhile a kill would run the task once more.
            _log.error('%s: could not save the outcome of a task run: %s', self._store.path, error)
        self._wake.set()

    def start(self):
        restored = self._store.load_into(self._group)
        if restored:
            _log.info('restored %d stored tasks from %s', restored, self._store.path)
        self._store.track(self._group)
        self._track_calls()
        self._loop = gevent.spawn(self._run)
        if self.dispatcher is None:
            _log.info('push tasks are stored but not run: no task target URL (TASK_TARGET_URL) is set')

    def _track_calls(self):
        make_sync_call = self._stub.MakeSyncCall

        def tracked(service, call, request, response, request_id=None):
            try:
                return make_sync_call(service, call, request, response, request_id)
            finally:
                if call not in READ_ONLY_CALLS:
                    self._write_changes_of(call)
                    self._wake.set()
        # The stub map and the datastore's transactional tasks both call the stub through this attribute.
        self._stub.MakeSyncCall = tracked

    def _write_changes_of(self, call):
        """Writes what the call changed before it returns; a call whose change is not stored fails, so its caller
        does not take it as done (App Engine's TransientError: try again)."""
        try:
            self._store.write_changes()
        except sqlite3.Error as error:
            _log.error('%s: could not store the change of a task queue %s call: %s', self._store.path, call, error)
            raise apiproxy_errors.ApplicationError(taskqueue_service_pb.TaskQueueServiceError.TRANSIENT_ERROR,
                                                   'the task queue could not store the change: %s' % error)

    def _run(self):
        while not self._stopping:
            now = self._clock()
            wake = now + IDLE_SECONDS
            try:
                if self.dispatcher is not None:
                    wake = min(wake, self.dispatcher.dispatch_due(now))
            except Exception:  # pylint: disable=broad-except
                # A stub or disk error must not end task dispatch for the life of the server.
                _log.exception('task queue loop failed; continuing')
            self._wake.clear()
            self._wake.wait(max(0.0, wake - self._clock()))

    def stop(self):
        self._stopping = True
        if self._loop is not None:
            self._loop.kill()
        try:
            self._store.write_changes()
        except sqlite3.Error as error:
            _log.error('%s: could not store the last task queue changes: %s', self._store.path, error)
        self._store.close()
