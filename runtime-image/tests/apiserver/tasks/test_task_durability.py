"""Tasks are stored before taskqueue.add returns: a killed API server loses none it acknowledged, and keeps names
taken, retry counts, ETAs and leases. An add writes the rows of its own task, however many are stored."""

import datetime
import os
import time

import pytest
from google.appengine.api import apiproxy_stub_map
from google.appengine.api import taskqueue
from google.appengine.api.taskqueue import taskqueue_service_pb
from google.appengine.api.taskqueue import taskqueue_stub
from google.appengine.ext import ndb

import api_fixtures
from python_compat.apiserver.tasks import task_store

QUEUE_YAML = """queue:
- name: default
  rate: 5/s
- name: pull
  mode: pull
"""
# Far enough ahead that no task comes due during a test (the server here runs none anyway: no target URL).
LATER_SECONDS = 3600


@pytest.fixture(scope='module')
def api_server(tmp_path_factory):
    """An API server with a queue.yaml (a push and a pull queue), and its own storage."""
    directory = tmp_path_factory.mktemp('durable-tasks')
    (directory / 'app').mkdir()
    (directory / 'app' / 'queue.yaml').write_text(QUEUE_YAML.decode('ascii'))
    server = api_fixtures.ApiServerProcess(directory / 'storage', directory / 'apiserver.log',
                                           app_root=directory / 'app').start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def request_host(monkeypatch):
    """What taskqueue.add reads from the request: the app's host (for the task's target)."""
    monkeypatch.setenv('HTTP_HOST', 'localhost:8080')


def kill_and_restart(api_server):
    api_server.kill()
    api_server.start()


def stored_task(queue_name, name):
    """The stored task called `name` (QueryTasks, the admin console's call), None when there is none."""
    request = taskqueue_service_pb.TaskQueueQueryTasksRequest()
    request.set_queue_name(queue_name)
    request.set_start_task_name(name)
    request.set_max_rows(1)
    response = taskqueue_service_pb.TaskQueueQueryTasksResponse()
    apiproxy_stub_map.MakeSyncCall('taskqueue', 'QueryTasks', request, response)
    found = response.task_list()
    return found[0] if found and found[0].task_name() == name else None


def present(queue_name, names):
    """The names of `names` that are tasks of the queue right now (found by deleting them)."""
    return sorted(task.name for task in taskqueue.Queue(queue_name).delete_tasks_by_name(names) if task.was_deleted)


def test_every_task_whose_add_returned_survives_a_kill(api, api_server):
    names = ['acknowledged-%03d' % number for number in range(60)]
    for name in names:
        taskqueue.add(name=name, url='/work', countdown=LATER_SECONDS)

    kill_and_restart(api_server)

    assert present('default', names) == names


def test_tasks_added_in_one_call_survive_a_kill(api, api_server):
    names = ['bulk-%03d' % number for number in range(100)]
    taskqueue.Queue('default').add([taskqueue.Task(name=name, url='/work', countdown=LATER_SECONDS)
                                    for name in names])

    kill_and_restart(api_server)

    assert present('default', names) == names


def test_transactional_task_survives_a_kill_with_its_commit(api, api_server):
    @ndb.transactional
    def commit():
        taskqueue.add(transactional=True, queue_name='pull', method='PULL', payload='from a transaction')
    commit()

    kill_and_restart(api_server)

    leased = taskqueue.Queue('pull').lease_tasks(60, 100)
    assert 'from a transaction' in [task.payload for task in leased]
    taskqueue.Queue('pull').delete_tasks(leased)


def test_a_used_name_stays_taken_after_a_kill(api, api_server):
    taskqueue.add(name='once-only', url='/work', countdown=LATER_SECONDS)
    taskqueue.Queue('default').delete_tasks_by_name('once-only')

    kill_and_restart(api_server)

    with pytest.raises(taskqueue.TombstonedTaskError):
        taskqueue.add(name='once-only', url='/work')


def test_tasks_added_without_a_name_after_a_restart_get_fresh_names(api, api_server):
    first = taskqueue.add(url='/work', countdown=LATER_SECONDS)

    kill_and_restart(api_server)
    second = taskqueue.add(url='/work', countdown=LATER_SECONDS)

    assert first.name != second.name
    assert present('default', [first.name, second.name]) == sorted([first.name, second.name])


def test_a_lease_and_its_retry_count_survive_a_kill(api, api_server):
    taskqueue.add(name='leased', method='PULL', queue_name='pull', payload='work')
    [leased] = taskqueue.Queue('pull').lease_tasks(2, 10)
    assert leased.retry_count == 1

    kill_and_restart(api_server)

    assert taskqueue.Queue('pull').lease_tasks(2, 10) == []  # still leased
    time.sleep(2.2)
    [again] = taskqueue.Queue('pull').lease_tasks(60, 10)
    assert (again.name, again.retry_count) == ('leased', leased.retry_count + 1)
    taskqueue.Queue('pull').delete_tasks(again)


def test_an_eta_survives_a_kill(api, api_server):
    eta_seconds = int(time.time()) + LATER_SECONDS
    taskqueue.add(name='at-its-eta', method='PULL', queue_name='pull', payload='later',
                  eta=datetime.datetime.utcfromtimestamp(eta_seconds))

    kill_and_restart(api_server)

    assert stored_task('pull', 'at-its-eta').eta_usec() == eta_seconds * 1000000


def test_a_purged_queue_stays_empty_after_a_kill(api, api_server):
    taskqueue.Queue('pull').add([taskqueue.Task(method='PULL', payload='x') for _ in range(5)])
    taskqueue.Queue('pull').purge()

    kill_and_restart(api_server)

    assert taskqueue.Queue('pull').lease_tasks(60, 100) == []


def test_a_run_task_deleted_by_a_call_stays_deleted_after_a_kill(api, api_server):
    taskqueue.add(name='done-with', url='/work', countdown=LATER_SECONDS)
    taskqueue.Queue('default').delete_tasks_by_name('done-with')

    kill_and_restart(api_server)

    assert present('default', ['done-with']) == []


class TestStore(object):
    """The store on its own, against the SDK's stub in this process."""

    @pytest.fixture
    def stub_and_store(self, tmp_path):
        stub = taskqueue_stub.TaskQueueServiceStub(root_path=None, auto_task_running=False)
        store = task_store.TaskStore(str(tmp_path))
        store.load_into(task_store.group_of(stub))
        store.track(task_store.group_of(stub))
        yield stub, store
        store.close()

    @staticmethod
    def add(stub, name):
        request = taskqueue_service_pb.TaskQueueAddRequest()
        request.set_queue_name('default')
        request.set_task_name(name)
        request.set_eta_usec(int((time.time() + LATER_SECONDS) * 1e6))
        request.set_url('/work')
        stub.MakeSyncCall('taskqueue', 'Add', request, taskqueue_service_pb.TaskQueueAddResponse())

    def test_an_add_writes_its_own_rows_only_however_many_tasks_are_stored(self, stub_and_store):
        stub, store = stub_and_store
        for number in range(500):
            self.add(stub, 'before-%03d' % number)
        store.write_changes()
        written_before = store._db.total_changes  # pylint: disable=protected-access

        self.add(stub, 'one-more')
        store.write_changes()

        # The task's row and its name's tombstone.
        assert store._db.total_changes - written_before == 2  # pylint: disable=protected-access

    def test_database_is_a_write_ahead_log_under_the_storage_path(self, stub_and_store, tmp_path):
        _, store = stub_and_store

        assert store.path == os.path.join(str(tmp_path), task_store.DATABASE_FILE)
        assert store._db.execute('PRAGMA journal_mode').fetchone()[0] == 'wal'  # pylint: disable=protected-access
