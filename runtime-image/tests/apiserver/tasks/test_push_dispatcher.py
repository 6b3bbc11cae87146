"""Push task dispatch, pull queues and task persistence, against the SDK's real task queue stub and a fake clock.

Tasks are added through the public taskqueue API; a fake sender records each HTTP exchange the dispatcher
starts, and the test decides how the app answered.
"""

import BaseHTTPServer
import contextlib
import subprocess
import sys
import threading

import pytest

from google.appengine.api import apiproxy_stub_map
from google.appengine.api import namespace_manager
from google.appengine.api import queueinfo
from google.appengine.api import taskqueue
from google.appengine.api.taskqueue import taskqueue as taskqueue_module
from google.appengine.api.taskqueue import taskqueue_stub

from python_compat.wire import internal_token
from python_compat.apiserver.tasks import push_dispatcher
from python_compat.apiserver.tasks import task_store

QUEUE_YAML = """\
queue:
- name: default
  rate: 100/s
  bucket_size: 100
- name: slow
  rate: 1/s
  bucket_size: 2
- name: single
  rate: 100/s
  max_concurrent_requests: 1
- name: limited
  rate: 100/s
  retry_parameters:
    task_retry_limit: 2
    min_backoff_seconds: 1
- name: doubling
  rate: 100/s
  retry_parameters:
    min_backoff_seconds: 1
    max_backoff_seconds: 8
    max_doublings: 2
- name: aged
  rate: 100/s
  retry_parameters:
    task_age_limit: 10s
    min_backoff_seconds: 4
    max_backoff_seconds: 4
- name: paused
  rate: 0
- name: pull
  mode: pull
"""
TOKEN = 'the-internal-token'


class FakeClock(object):
    def __init__(self, now=1700000000.0):
        self.now = now

    def __call__(self):
        return self.now

    def time(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


class FakeSender(object):
    """Records the exchanges the dispatcher starts; `answer` finishes the oldest one."""

    def __init__(self, clock):
        self.clock = clock
        self.started = []
        self.pending = []

    def __call__(self, request, done):
        self.started.append(request)
        self.pending.append((request, done))

    def answer(self, status):
        request, done = self.pending.pop(0)
        done(status, self.clock.now)
        return request


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(taskqueue_module, 'time', fake)  # countdowns count from the fake clock
    return fake


@pytest.fixture
def stub(tmpdir, clock, monkeypatch):
    tmpdir.join('queue.yaml').write(QUEUE_YAML)
    monkeypatch.setenv('APPLICATION_ID', 'dev~tasks')
    monkeypatch.setenv('HTTP_HOST', 'tasks.example.com')
    task_queue = taskqueue_stub.TaskQueueServiceStub(root_path=str(tmpdir), gettime=clock)
    saved = apiproxy_stub_map.apiproxy
    apiproxy_stub_map.apiproxy = apiproxy_stub_map.APIProxyStubMap()
    apiproxy_stub_map.apiproxy.RegisterStub('taskqueue', task_queue)
    yield task_queue
    apiproxy_stub_map.apiproxy = saved


@pytest.fixture
def sender(clock):
    return FakeSender(clock)


@pytest.fixture
def dispatcher(stub, sender):
    return push_dispatcher.PushTaskDispatcher(
        task_store.group_of(stub), sender,
        lambda: push_dispatcher.limits_from_queue_info(stub._ParseQueueYaml()), TOKEN)


def add(queue='default', **task):
    task.setdefault('url', '/work')
    return taskqueue.Queue(queue).add(taskqueue.Task(**task))


def headers_of(request):
    return dict(request.headers)


def queued_names(stub, queue='default'):
    return [task.task_name() for task in task_store.group_of(stub).GetQueue(queue).Lookup(100, name='')]


# What a task's request carries

def test_due_task_is_sent_with_app_engine_task_headers_and_the_internal_token(dispatcher, sender, clock):
    add(name='t1', payload='body', headers={'X-Custom': 'kept'})

    dispatcher.dispatch_due(clock.now)

    [request] = sender.started
    headers = headers_of(request)
    assert (request.method, request.path, request.body) == ('POST', '/work', 'body')
    assert headers['X-AppEngine-QueueName'] == 'default'
    assert headers['X-AppEngine-TaskName'] == 't1'
    assert headers['X-AppEngine-TaskRetryCount'] == '0'
    assert headers['X-AppEngine-TaskExecutionCount'] == '0'
    assert float(headers['X-AppEngine-TaskETA']) == pytest.approx(clock.now)
    assert headers[internal_token.HEADER] == TOKEN
    assert headers['X-Custom'] == 'kept'


def test_app_set_platform_headers_are_not_passed_on(dispatcher, sender, clock):
    add(headers={'X-AppEngine-User-Is-Admin': '1', internal_token.HEADER: 'forged'})

    dispatcher.dispatch_due(clock.now)

    headers = headers_of(sender.started[0])
    assert 'X-AppEngine-User-Is-Admin' not in headers
    assert headers[internal_token.HEADER] == TOKEN


def test_a_task_is_sent_in_the_namespace_it_was_added_in(dispatcher, sender, clock):
    namespace_manager.set_namespace('tenant-a')
    try:
        add(name='in-a')
    finally:
        namespace_manager.set_namespace('')
    add(name='in-default')

    dispatcher.dispatch_due(clock.now)

    sent = dict((request.task_name, headers_of(request)) for request in sender.started)
    assert sent['in-a']['X-AppEngine-Current-Namespace'] == 'tenant-a'
    assert sent['in-default']['X-AppEngine-Current-Namespace'] == ''


def test_the_google_apps_default_namespace_is_passed_on(dispatcher, sender, clock, monkeypatch):
    monkeypatch.setenv('HTTP_X_APPENGINE_DEFAULT_NAMESPACE', 'example.com')
    add()

    dispatcher.dispatch_due(clock.now)

    assert headers_of(sender.started[0])['X-AppEngine-Default-Namespace'] == 'example.com'


def test_task_method_is_kept(dispatcher, sender, clock):
    add(method='GET', url='/work?x=1')

    dispatcher.dispatch_due(clock.now)

    assert (sender.started[0].method, sender.started[0].path) == ('GET', '/work?x=1')


# ETA and countdown

def test_task_with_countdown_waits_for_its_eta(dispatcher, sender, clock):
    add(countdown=30)

    assert dispatcher.dispatch_due(clock.now) == pytest.approx(clock.now + 30)
    assert sender.started == []
    clock.advance(30)
    dispatcher.dispatch_due(clock.now)
    assert len(sender.started) == 1


# Outcomes

def test_2xx_deletes_the_task(dispatcher, sender, stub, clock):
    add(name='done')
    dispatcher.dispatch_due(clock.now)

    sender.answer(204)

    assert queued_names(stub) == []


def test_task_name_stays_taken_after_the_task_ran(dispatcher, sender, clock):
    add(name='once')
    dispatcher.dispatch_due(clock.now)
    sender.answer(200)

    with pytest.raises(taskqueue.TombstonedTaskError):
        add(name='once')


def test_same_task_name_twice_is_refused(stub):
    add(name='twice')

    with pytest.raises(taskqueue.TaskAlreadyExistsError):
        add(name='twice')


def test_failed_task_is_retried_after_backoff_with_counts_and_previous_status(dispatcher, sender, clock):
    add(queue='limited', name='flaky')
    dispatcher.dispatch_due(clock.now)
    sender.answer(500)

    dispatcher.dispatch_due(clock.now + 0.5)
    assert len(sender.started) == 1
    clock.advance(1)
    dispatcher.dispatch_due(clock.now)

    headers = headers_of(sender.started[1])
    assert headers['X-AppEngine-TaskRetryCount'] == '1'
    assert headers['X-AppEngine-TaskExecutionCount'] == '1'
    assert headers['X-AppEngine-TaskPreviousResponse'] == '500'


def test_task_retry_limit_ends_retries(dispatcher, sender, stub, clock):
    add(queue='limited', name='hopeless')
    for _ in range(3):
        dispatcher.dispatch_due(clock.now)
        sender.answer(500)
        clock.advance(10)

    dispatcher.dispatch_due(clock.now)

    assert len(sender.started) == 3  # the first run and task_retry_limit (2) retries
    assert queued_names(stub, 'limited') == []


def test_backoff_doubles_up_to_max_doublings_then_grows_linearly_to_max_backoff(dispatcher, sender, stub, clock):
    add(queue='doubling', name='slow-to-heal')
    waits = []
    for _ in range(5):
        dispatcher.dispatch_due(clock.now)
        sender.answer(503)
        [task] = task_store.group_of(stub).GetQueue('doubling').Lookup(1, name='')
        waits.append(round(task.eta_usec() / 1e6 - clock.now, 3))
        clock.advance(waits[-1])

    assert waits == [1, 2, 4, 8, 8]  # the SDK's formula: min_backoff * 2**doublings * linear steps


def test_task_age_limit_ends_retries(dispatcher, sender, stub, clock):
    add(queue='aged', name='old')
    while queued_names(stub, 'aged'):
        dispatcher.dispatch_due(clock.now)
        sender.answer(500)
        clock.advance(4)

    assert len(sender.started) == 4  # at 0, 4, 8 and 12 s: after that run it is older than task_age_limit (10 s)


def test_task_retry_options_override_the_queue(dispatcher, sender, stub, clock):
    add(name='no-retry', retry_options=taskqueue.TaskRetryOptions(task_retry_limit=0))
    dispatcher.dispatch_due(clock.now)

    sender.answer(500)

    assert queued_names(stub) == []


def test_unreachable_app_postpones_without_counting_a_retry(dispatcher, sender, stub, clock):
    add(name='later')
    dispatcher.dispatch_due(clock.now)
    sender.answer(None)

    assert dispatcher.dispatch_due(clock.now + 0.5) == clock.now + push_dispatcher.UNREACHABLE_RETRY_SECONDS
    clock.advance(push_dispatcher.UNREACHABLE_RETRY_SECONDS)
    dispatcher.dispatch_due(clock.now)

    assert headers_of(sender.started[1])['X-AppEngine-TaskRetryCount'] == '0'


def test_task_deleted_while_running_is_forgotten(dispatcher, sender, stub, clock):
    add(name='gone')
    dispatcher.dispatch_due(clock.now)
    taskqueue.Queue('default').delete_tasks_by_name('gone')

    sender.answer(500)

    assert queued_names(stub) == []


def test_running_task_is_not_started_twice(dispatcher, sender, clock):
    add()
    dispatcher.dispatch_due(clock.now)

    dispatcher.dispatch_due(clock.now + 1)

    assert len(sender.started) == 1


# Rate, bucket and concurrency

def test_bucket_size_tasks_start_at_once_then_one_per_rate_interval(dispatcher, sender, clock):
    for _ in range(4):
        add(queue='slow')

    wake = dispatcher.dispatch_due(clock.now)
    assert len(sender.started) == 2
    assert wake == pytest.approx(clock.now + 1)
    clock.advance(1)
    dispatcher.dispatch_due(clock.now)
    assert len(sender.started) == 3


def test_max_concurrent_requests_waits_for_a_running_task(dispatcher, sender, clock):
    add(queue='single')
    add(queue='single')

    dispatcher.dispatch_due(clock.now)
    assert len(sender.started) == 1
    sender.answer(200)
    dispatcher.dispatch_due(clock.now)
    assert len(sender.started) == 2


def test_queue_with_rate_zero_runs_nothing(dispatcher, sender, clock):
    add(queue='paused')

    assert dispatcher.dispatch_due(clock.now) == push_dispatcher.NEVER
    assert sender.started == []


def test_paused_queue_runs_nothing(dispatcher, sender, stub, clock):
    add(name='held')
    task_store.group_of(stub).GetQueue('default').paused = True

    dispatcher.dispatch_due(clock.now)

    assert sender.started == []


def test_token_bucket_refills_at_its_rate_up_to_its_size():
    bucket = push_dispatcher.TokenBucket(rate=2, size=3, now=0)

    assert [bucket.take(0) for _ in range(4)] == [True, True, True, False]
    assert bucket.next_token_at(0) == 0.5
    assert [bucket.take(10) for _ in range(4)] == [True, True, True, False]


def test_queue_limits_come_from_queue_yaml():
    limits = push_dispatcher.limits_from_queue_info(queueinfo.LoadSingleQueue(QUEUE_YAML))

    assert (limits['slow'].rate_per_second, limits['slow'].bucket_size) == (1, 2)
    assert limits['single'].max_concurrent_requests == 1
    assert limits['paused'].rate_per_second == 0


# Pull queues

def test_pull_queue_tasks_are_leased_not_pushed(dispatcher, sender, clock):
    taskqueue.Queue('pull').add(taskqueue.Task(payload='p', method='PULL'))
    clock.advance(1)

    dispatcher.dispatch_due(clock.now)

    assert sender.started == []
    assert [task.payload for task in taskqueue.Queue('pull').lease_tasks(60, 10)] == ['p']


def test_leased_task_is_leasable_again_only_after_its_lease(clock, stub):
    queue = taskqueue.Queue('pull')
    queue.add(taskqueue.Task(payload='p', method='PULL'))
    clock.advance(1)
    queue.lease_tasks(60, 10)

    assert queue.lease_tasks(60, 10) == []
    clock.advance(61)
    assert len(queue.lease_tasks(60, 10)) == 1


def test_modify_task_lease_extends_it(clock, stub):
    queue = taskqueue.Queue('pull')
    queue.add(taskqueue.Task(payload='p', method='PULL'))
    clock.advance(1)
    [task] = queue.lease_tasks(10, 10)

    queue.modify_task_lease(task, 120)
    clock.advance(60)

    assert queue.lease_tasks(60, 10) == []


def test_deleted_pull_task_is_gone(clock, stub):
    queue = taskqueue.Queue('pull')
    queue.add(taskqueue.Task(payload='p', method='PULL'))
    clock.advance(1)
    [task] = queue.lease_tasks(10, 10)

    queue.delete_tasks(task)
    clock.advance(60)

    assert queue.lease_tasks(60, 10) == []


# Persistence

def test_tasks_counts_and_used_names_survive_a_restart(tmpdir, stub, dispatcher, sender, clock):
    store = task_store.TaskStore(str(tmpdir))
    store.track(task_store.group_of(stub))
    add(name='ran')
    dispatcher.dispatch_due(clock.now)
    sender.answer(200)
    add(queue='limited', name='retried')
    dispatcher.dispatch_due(clock.now)
    sender.answer(500)
    add(name='waiting', countdown=300, payload='x')
    store.write_changes()

    restarted = taskqueue_stub.TaskQueueServiceStub(root_path=str(tmpdir), gettime=clock)
    apiproxy_stub_map.apiproxy = apiproxy_stub_map.APIProxyStubMap()
    apiproxy_stub_map.apiproxy.RegisterStub('taskqueue', restarted)

    assert task_store.TaskStore(str(tmpdir)).load_into(task_store.group_of(restarted)) == 2
    assert queued_names(restarted) == ['waiting']
    [retried] = task_store.group_of(restarted).GetQueue('limited').Lookup(1, name='')
    assert retried.retry_count() == 1
    with pytest.raises(taskqueue.TombstonedTaskError):
        add(name='ran')


def test_new_storage_restores_nothing(tmpdir, stub):
    assert task_store.TaskStore(str(tmpdir.mkdir('new'))).load_into(task_store.group_of(stub)) == 0


# Sending over HTTP

class _RecordingHandler(BaseHTTPServer.BaseHTTPRequestHandler):
    seen = []

    def do_POST(self):  # pylint: disable=invalid-name
        _RecordingHandler.seen.append((self.path, dict(self.headers), self.rfile.read(
            int(self.headers.get('Content-Length', 0)))))
        self.send_response(201)
        self.send_header('Content-Length', '0')
        self.end_headers()

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def local_server():
    server = BaseHTTPServer.HTTPServer(('127.0.0.1', 0), _RecordingHandler)
    thread = threading.Thread(target=server.serve_forever)
    thread.daemon = True
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_http_target_sends_the_request_under_its_path_prefix():
    with local_server() as port:
        target = push_dispatcher.HttpTarget('http://127.0.0.1:%d/prefix/' % port)
        request = push_dispatcher.TaskRequest('default', 't', 'POST', '/work', [('X-AppEngine-TaskName', 't')], 'b')

        assert target.status_of(request) == 201

    path, headers, body = _RecordingHandler.seen[-1]
    assert (path, headers['x-appengine-taskname'], body) == ('/prefix/work', 't', 'b')


def test_http_target_that_refuses_connections_is_unreachable():
    with local_server() as port:
        pass
    request = push_dispatcher.TaskRequest('default', 't', 'GET', '/', [], '')

    assert push_dispatcher.HttpTarget('http://127.0.0.1:%d' % port).status_of(request) is None


def test_http_target_must_be_an_http_url():
    with pytest.raises(ValueError):
        push_dispatcher.HttpTarget('127.0.0.1:8080')


# Settings

def _api_server_arguments_error(environment):
    process = subprocess.Popen(
        [sys.executable, '-c', 'from python_compat.apiserver import config; '
         'config.parse_args(["--app-id", "x", "--task-target-url", "http://127.0.0.1:1"])'],
        env=environment, stderr=subprocess.PIPE)
    return process.wait(), process.communicate()[1]


def test_task_target_without_a_shared_secret_is_refused():
    status, error = _api_server_arguments_error({})

    assert status == 2
    assert 'needs INTERNAL_REQUEST_SECRET' in error


def test_task_target_with_a_shared_secret_is_accepted():
    assert _api_server_arguments_error({'INTERNAL_REQUEST_SECRET': 's' * 40}) == (0, '')
