"""Push tasks, deferred and cron.yaml against a real container (apps/tasks-cron), and that no client can forge them.

The app records every run the platform makes in the datastore; the tests read the records back. Cron runs
with CRON_CLOCK_SPEEDUP=60, so its `every 1 minutes` job fires about once a second.
"""

import time

import pytest
import requests

APP = 'tasks-cron'
WORKERS = '2'


def wait_for_records(app, kind, count, timeout=20):
    deadline = time.monotonic() + timeout
    while True:
        found = app.get('/records?kind=' + kind).json()
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


@pytest.fixture(scope='module')
def app(app_image, start_app):
    environment = {'CRON_ENABLED': 'true', 'CRON_CLOCK_SPEEDUP': '60', 'WEB_CONCURRENCY': WORKERS}
    with start_app(app_image(APP), environment=environment) as running:
        yield running


def test_deferred_task_that_fails_once_performs_its_side_effect_exactly_once(app):
    assert app.get('/enqueue/deferred?marker=once').status_code == 200

    wait_for_records(app, 'side-effect', 1)
    time.sleep(2)

    assert [effect['marker'] for effect in app.get('/records?kind=side-effect').json()] == ['once']


def test_push_task_with_countdown_runs_after_its_eta_with_the_task_headers(app):
    assert app.get('/enqueue/push?countdown=3&tag=later').status_code == 200

    [run] = [item for item in wait_for_records(app, 'push', 1) if item['tag'] == 'later']
    [enqueued] = [item for item in app.get('/records?kind=enqueued').json() if item['countdown'] == 3]

    headers = run['headers']
    assert run['at'] >= enqueued['at'] + 3
    assert headers['X-Appengine-Queuename'] == 'default'
    assert headers['X-Appengine-Taskname']
    assert headers['X-Appengine-Taskretrycount'] == '0'
    assert headers['X-Appengine-Taskexecutioncount'] == '0'
    assert float(headers['X-Appengine-Tasketa']) == pytest.approx(enqueued['at'] + 3, abs=1)
    assert run['remote_addr'] == '0.1.0.2'  # also shows the `login: admin` task handler let the task in


def test_queue_yaml_retry_limit_ends_a_failing_task(app):
    assert app.get('/enqueue/failing').status_code == 200

    wait_for_records(app, 'fail', 3)
    time.sleep(2)

    runs = app.get('/records?kind=fail').json()
    assert [run['retry_count'] for run in runs] == ['0', '1', '2']  # task_retry_limit: 2


@pytest.mark.parametrize('path', ['/task/record', '/_ah/queue/deferred'])
def test_client_sent_task_headers_do_not_let_a_client_run_a_task(app, path):
    before = len(app.get('/records?kind=push').json())

    response = requests.post(app.url + path, data='x', allow_redirects=False, timeout=10, headers={
        'X-AppEngine-QueueName': 'default', 'X-AppEngine-TaskName': 'forged', 'X-AppEngine-TaskRetryCount': '0'})

    assert response.status_code in (302, 401, 403)
    assert len(app.get('/records?kind=push').json()) == before


def test_client_sent_platform_headers_never_reach_the_app(app):
    response = app.get('/echo-headers', headers={'X-AppEngine-QueueName': 'default', 'X-AppEngine-TaskName': 't',
                                                 'X-AppEngine-Cron': 'true'})

    assert response.json() == {}


def test_client_sent_cron_header_does_not_run_the_cron_handler(app):
    assert app.get('/cron/tick', headers={'X-AppEngine-Cron': 'true'}).status_code == 403


def test_cron_job_fires_once_per_period_with_two_workers(app):
    assert app.settled_worker_count() == int(WORKERS)
    first = len(wait_for_records(app, 'cron', 1))
    time.sleep(6)

    fired = app.get('/records?kind=cron').json()[first - 1:]
    gaps = [later['at'] - earlier['at'] for earlier, later in zip(fired, fired[1:])]
    assert 4 <= len(gaps) <= 7  # one a (sped-up) minute: about one a second
    assert min(gaps) > 0.5  # never two firings of one period


def test_cron_is_off_when_disabled(app_image, start_app):
    environment = {'CRON_ENABLED': 'false', 'CRON_CLOCK_SPEEDUP': '60', 'WEB_CONCURRENCY': WORKERS}
    with start_app(app_image(APP), environment=environment) as running:
        time.sleep(4)

        assert running.get('/records?kind=cron').json() == []
        assert 'not scheduling them in this container' in running.container.logs().decode()
