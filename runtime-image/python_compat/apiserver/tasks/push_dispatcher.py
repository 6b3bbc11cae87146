"""Runs push tasks: sends each due task of the task queue stub to the app over HTTP, as App Engine did.

The SDK's stub stores tasks (names deduplicated, ETAs, leases of pull queues) but runs them only inside
dev_appserver. Here a PushTaskDispatcher picks the due tasks of every push queue, within the queue's
queue.yaml `rate`/`bucket_size` (a token bucket) and `max_concurrent_requests`, and sends them with the
X-AppEngine-Task* headers, the namespace it was added in (X-AppEngine-Current-Namespace, which the SDK's Task sets
and namespace_manager reads) and the runtime's internal-request token, so the app (and the `deferred` builtin)
sees platform traffic. A 2xx deletes the task; anything else retries it with the SDK's own backoff and
limits (`retry_parameters` of the queue or the task); a target that does not answer at all postpones
everything briefly without counting a retry. `target:` needs no routing: every task goes to this app.

The dispatcher decides; a sender performs the HTTP exchange and reports back through `complete`. Both take
times as arguments, so tests drive them with a fake clock.
"""

import httplib
import logging
import socket
import errno
import urlparse

from google.appengine.api import queueinfo
from google.appengine.api.taskqueue import taskqueue_stub

from python_compat.wire import internal_token

_log = logging.getLogger(__name__)

DEFAULT_RATE_PER_SECOND = queueinfo.ParseRate(taskqueue_stub.DEFAULT_RATE)
DEFAULT_BUCKET_SIZE = taskqueue_stub.DEFAULT_BUCKET_SIZE
# When the app does not accept connections (still starting, restarting), try again after this long.
UNREACHABLE_RETRY_SECONDS = 1.0
# App Engine gave a push task 10 minutes to answer.
TASK_DEADLINE_SECONDS = 600
# Tasks looked at per queue and pass, beyond those already running.
SCAN_BATCH = 100
NEVER = float('inf')
_PULL = taskqueue_stub.QUEUE_MODE.PULL


def _usec_to_sec(usec):
    return usec / 1e6


def _sec_to_usec(seconds):
    return int(seconds * 1e6)


class QueueLimits(object):
    """How fast a push queue may run tasks: queue.yaml's rate (per second), bucket_size and
    max_concurrent_requests (None: unlimited)."""

    def __init__(self, rate_per_second=DEFAULT_RATE_PER_SECOND, bucket_size=DEFAULT_BUCKET_SIZE,
                 max_concurrent_requests=None):
        self.rate_per_second = rate_per_second
        self.bucket_size = bucket_size
        self.max_concurrent_requests = max_concurrent_requests

    def key(self):
        return self.rate_per_second, self.bucket_size

    @classmethod
    def from_queue_entry(cls, entry):
        return cls(queueinfo.ParseRate(entry.rate) if entry.rate else DEFAULT_RATE_PER_SECOND,
                   entry.bucket_size or DEFAULT_BUCKET_SIZE, entry.max_concurrent_requests or None)


def limits_from_queue_info(queue_info):
    """{queue name: QueueLimits} of a parsed queue.yaml (None when there is none)."""
    entries = (queue_info.queue if queue_info is not None else None) or []
    return dict((entry.name, QueueLimits.from_queue_entry(entry)) for entry in entries)


class TokenBucket(object):
    """App Engine's queue rate: up to `size` tasks at once, refilled at `rate` tokens per second."""

    def __init__(self, rate, size, now):
        self.rate = float(rate)
        self.size = max(1, int(size))
        self.tokens = float(self.size)
        self.updated = now

    def _refill(self, now):
        if now > self.updated:
            self.tokens = min(self.size, self.tokens + (now - self.updated) * self.rate)
        self.updated = max(self.updated, now)

    def take(self, now):
        """Uses one token if there is one; False when the queue must wait."""
        self._refill(now)
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def next_token_at(self, now):
        """When the next token will be there (NEVER at rate 0)."""
        self._refill(now)
        if self.tokens >= 1:
            return now
        return NEVER if self.rate <= 0 else now + (1 - self.tokens) / self.rate


class TaskRequest(object):
    """One HTTP request that runs a task."""

    def __init__(self, queue_name, task_name, method, path, headers, body):
        self.queue_name = queue_name
        self.task_name = task_name
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body


# The namespace a task was added in: the SDK's Task sets these headers itself, and App Engine ran the task in it.
NAMESPACE_HEADERS = frozenset(['x-appengine-current-namespace', 'x-appengine-default-namespace'])


def _dropped_header(name):
    lowered = name.lower()
    # As on App Engine, the app's own X-AppEngine-* task headers are dropped (only the platform sets them), except
    # the namespace headers; the platform's task headers are added afresh.
    return ((lowered.startswith('x-appengine-') and lowered not in NAMESPACE_HEADERS)
            or lowered in taskqueue_stub.BUILT_IN_HEADERS
            or lowered in ('content-length', internal_token.HEADER.lower()))


def task_request(queue_name, task, token):
    """The TaskRequest for `task` (a stub task): its method, URL, body and headers, plus App Engine's."""
    headers = [(header.key(), header.value()) for header in task.header_list() if not _dropped_header(header.key())]
    headers.extend([
        ('X-AppEngine-QueueName', queue_name),
        ('X-AppEngine-TaskName', task.task_name()),
        ('X-AppEngine-TaskRetryCount', str(task.retry_count())),
        ('X-AppEngine-TaskExecutionCount', str(task.execution_count())),
        ('X-AppEngine-TaskETA', '%.6f' % _usec_to_sec(task.eta_usec())),
    ])
    if task.has_runlog() and task.runlog().has_response_code():
        headers.append(('X-AppEngine-TaskPreviousResponse', str(task.runlog().response_code())))
    body = task.body() if task.has_body() else ''
    if body and 'content-type' not in [name.lower() for name, _ in headers]:
        headers.append(('Content-Type', 'application/octet-stream'))
    headers.append((internal_token.HEADER, token))
    return TaskRequest(queue_name, task.task_name(), task.RequestMethod_Name(task.method()), task.url(),
                       headers, body)


def _find_task(queue, task_name):
    found = queue.Lookup(1, name=task_name)
    return found[0] if found and found[0].task_name() == task_name else None


def _record_run(task, status, now):
    """Notes the status for X-AppEngine-TaskPreviousResponse (with the run log's other required fields)."""
    runlog = task.mutable_runlog()
    runlog.set_dispatched_usec(_sec_to_usec(now))
    runlog.set_lag_usec(0)
    runlog.set_elapsed_usec(0)
    runlog.set_response_code(status)


class PushTaskDispatcher(object):
    """Starts due push tasks of one app's queues (a taskqueue_stub._Group) and settles their outcome.

    send(request, done) starts the HTTP exchange of a TaskRequest and later calls done(status), where
    status is the response's HTTP status, 0 when the exchange failed, or None when the app could not be
    reached at all. queue_limits() returns {queue name: QueueLimits} from queue.yaml.
    """

    def __init__(self, group, send, queue_limits, token, on_change=lambda: None):
        self._group = group
        self._send = send
        self._queue_limits = queue_limits
        self._token = token
        self._on_change = on_change
        self._buckets = {}
        self._running = {}
        self._unreachable_until = None

    def dispatch_due(self, now):
        """Starts every task that may run at `now`; returns when to call again (NEVER: when woken)."""
        if self._unreachable_until is not None and now < self._unreachable_until:
            return self._unreachable_until
        self._unreachable_until = None
        limits_by_queue = self._queue_limits()
        wake = NEVER
        for name, queue in sorted(self._group.GetQueues().items()):
            limits = limits_by_queue.get(name, QueueLimits())
            # queue.yaml's `rate: 0` pauses a queue, as PauseQueue does.
            if queue is None or queue.queue_mode == _PULL or queue.paused or limits.rate_per_second <= 0:
                continue
            wake = min(wake, self._dispatch_queue(queue, limits, now))
        return wake

    def _dispatch_queue(self, queue, limits, now):
        name = queue.queue_name
        running = self._running.setdefault(name, set())
        bucket = self._bucket(name, limits, now)
        scanned = queue.Lookup(len(running) + SCAN_BATCH, name='', eta=0)
        for task in scanned:
            if task.task_name() in running:
                continue
            eta = _usec_to_sec(task.eta_usec())
            if eta > now:
                return eta
            if limits.max_concurrent_requests and len(running) >= limits.max_concurrent_requests:
                return NEVER  # a completion wakes the dispatcher
            if not bucket.take(now):
                return bucket.next_token_at(now)
            self._start(queue, task, now)
        return now if len(scanned) == len(running) + SCAN_BATCH else NEVER

    def _bucket(self, queue_name, limits, now):
        bucket = self._buckets.get(queue_name)
        if bucket is None or (bucket.rate, bucket.size) != limits.key():
            bucket = self._buckets[queue_name] = TokenBucket(limits.rate_per_second, limits.bucket_size, now)
        return bucket

    def _start(self, queue, task, now):
        if not task.has_first_try_usec():
            task.set_first_try_usec(_sec_to_usec(now))
        self._running[queue.queue_name].add(task.task_name())
        request = task_request(queue.queue_name, task, self._token)
        self._send(request, lambda status, finished: self.complete(request, status, finished))

    def complete(self, request, status, now):
        """Settles a finished task: deleted after a 2xx, else retried with backoff or, past its limits, dropped."""
        self._running.get(request.queue_name, set()).discard(request.task_name)
        queue = self._group.GetQueues().get(request.queue_name)
        task = _find_task(queue, request.task_name) if queue is not None else None
        if task is None:
            return  # deleted by the app while it ran
        if status is None:
            _log.warning('task %s: the app at its target URL does not accept connections; retrying in %.0f s',
                         request.task_name, UNREACHABLE_RETRY_SECONDS)
            self._unreachable_until = now + UNREACHABLE_RETRY_SECONDS
            return
        if 200 <= status < 300:
            queue.Delete(request.task_name)
            self._on_change()
            return
        if status:
            _record_run(task, status, now)
        retry = taskqueue_stub.Retry(task, queue)
        age_usec = _sec_to_usec(now) - task.first_try_usec()
        if retry.CanRetry(task.retry_count() + 1, age_usec):
            backoff_usec = retry.CalculateBackoffUsec(task.retry_count() + 1)
            _log.warning('task %s in queue %s failed (status %s); retrying in %.1f s',
                         request.task_name, request.queue_name, status or 'none', _usec_to_sec(backoff_usec))
            queue.PostponeTask(task, max(_sec_to_usec(now) + backoff_usec, task.eta_usec() + 1))
        else:
            _log.error('task %s in queue %s failed (status %s) after %d retries; giving up as its '
                       'retry_parameters say', request.task_name, request.queue_name, status or 'none',
                       task.retry_count())
            queue.Delete(request.task_name)
        self._on_change()


class HttpTarget(object):
    """Where tasks are sent: TASK_TARGET_URL, e.g. http://127.0.0.1:8080 (scheme, host, port, path prefix)."""

    def __init__(self, url, timeout=TASK_DEADLINE_SECONDS):
        parsed = urlparse.urlsplit(url)
        if parsed.scheme not in ('http', 'https') or not parsed.hostname:
            raise ValueError('expected an http:// or https:// URL such as http://app:8080, got %r' % url)
        self.url = url
        self._connection_class = httplib.HTTPSConnection if parsed.scheme == 'https' else httplib.HTTPConnection
        self._netloc = parsed.netloc
        self._prefix = parsed.path.rstrip('/')
        self._timeout = timeout

    def status_of(self, request):
        """The HTTP status the app answered `request` with; 0 when the exchange failed; None when refused."""
        connection = self._connection_class(self._netloc, timeout=self._timeout)
        try:
            connection.request(request.method, self._prefix + request.path, request.body,
                               dict(request.headers))
            response = connection.getresponse()
            response.read()
            return response.status
        except socket.error as error:
            if error.errno == errno.ECONNREFUSED:
                return None
            _log.warning('task %s: %s %s failed: %s', request.task_name, request.method, request.path, error)
            return 0
        except httplib.HTTPException as error:
            _log.warning('task %s: %s %s failed: %r', request.task_name, request.method, request.path, error)
            return 0
        finally:
            connection.close()
