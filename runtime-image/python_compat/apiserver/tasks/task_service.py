"""Task queues of the API server beyond the SDK stub's storage: push tasks run, tasks kept across restarts.

TaskService(stub, config).start() restores the saved tasks, notes every call that changes the queues, and runs
one background greenlet that dispatches due push tasks to config.task_target_url (when set) and saves the
tasks at most once a second after a change. stop() ends it and saves. Needs gevent (the API server
is monkey-patched): each task's HTTP exchange is a greenlet of its own.
"""

import logging
import time

import gevent
import gevent.event

from python_compat.wire import internal_token
from python_compat.apiserver.tasks import push_dispatcher
from python_compat.apiserver.tasks import task_store

_log = logging.getLogger(__name__)
SAVE_INTERVAL_SECONDS = 1.0
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
        self._dirty = False
        self._last_save = 0
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
        self._dirty = True
        self._wake.set()

    def start(self):
        restored = self._store.load_into(self._group)
        if restored:
            _log.info('restored %d saved tasks from %s', restored, self._store.path)
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
                    self.changed()
        # The stub map and the datastore's transactional tasks both call the stub through this attribute.
        self._stub.MakeSyncCall = tracked

    def _run(self):
        while not self._stopping:
            now = self._clock()
            wake = now + IDLE_SECONDS
            try:
                if self.dispatcher is not None:
                    wake = min(wake, self.dispatcher.dispatch_due(now))
                if self._dirty:
                    if now - self._last_save >= SAVE_INTERVAL_SECONDS:
                        self._save()
                    else:
                        wake = min(wake, self._last_save + SAVE_INTERVAL_SECONDS)
            except Exception:  # pylint: disable=broad-except
                # A stub or disk error must not end task dispatch for the life of the server.
                _log.exception('task queue loop failed; continuing')
            self._wake.clear()
            self._wake.wait(max(0.0, wake - self._clock()))

    def _save(self):
        self._dirty = False
        self._last_save = self._clock()
        self._store.save(self._group)

    def stop(self):
        self._stopping = True
        if self._loop is not None:
            self._loop.kill()
        self._save()
