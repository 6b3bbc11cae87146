"""Structured logs: one JSON object per line, the app's DEBUG records kept, traces, request logs."""

import json
import time

import pytest


@pytest.fixture(scope='module')
def app(app_image, start_app):
    with start_app(app_image('behaviours'), environment={'GOOGLE_CLOUD_PROJECT': 'log-project'}) as running:
        yield running


def records(app):
    lines = [line for line in app.logs().splitlines() if line.strip()]
    return [json.loads(line) for line in lines]


def wait_for(app, predicate):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = [record for record in records(app) if predicate(record)]
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError('no matching log record in:\n' + app.logs()[-3000:])


def test_every_stdout_line_is_a_json_object(app):
    app.get('/log')
    assert all(isinstance(record, dict) and 'severity' in record for record in records(app))


def test_app_debug_records_are_kept_with_the_requests_trace(app):
    app.get('/log', headers={'X-Cloud-Trace-Context': '0123456789abcdef0123456789abcdef/123;o=1'})
    # The previous test logged the same message without a trace: wait for this request's record.
    debug = wait_for(app, lambda r: r['message'] == 'debug record from the app'
                     and 'logging.googleapis.com/trace' in r)[-1]
    assert debug['severity'] == 'DEBUG'
    assert debug['logging.googleapis.com/trace'] == 'projects/log-project/traces/0123456789abcdef0123456789abcdef'
    assert debug['logging.googleapis.com/spanId'] == '123'
    assert debug['logging.googleapis.com/trace_sampled'] is True
    warning = wait_for(app, lambda r: r['message'] == 'warning record from the app')[-1]
    assert warning['severity'] == 'WARNING'
    assert warning['logger'] == 'app.module'


def test_one_request_log_per_request_with_http_request(app):
    app.get('/env?keys=X', headers={'User-Agent': 'log-test-agent'})
    entries = wait_for(app, lambda r: r.get('httpRequest', {}).get('userAgent') == 'log-test-agent')
    assert len(entries) == 1
    http_request = entries[0]['httpRequest']
    assert http_request['requestMethod'] == 'GET'
    assert http_request['requestUrl'] == '/env?keys=X'
    assert http_request['status'] == 200
    assert int(http_request['responseSize']) > 0
    assert http_request['latency'].endswith('s')


def test_app_exception_is_logged_as_error_with_its_traceback(app):
    app.get('/raise')
    entry = wait_for(app, lambda r: 'the app failed on purpose' in r['message'] and r['severity'] == 'ERROR')[-1]
    assert 'Traceback' in entry['message']


def test_text_format_can_be_chosen_for_local_runs(app_image, start_app):
    with start_app(app_image('behaviours'), environment={'LOG_FORMAT': 'text'}) as text_app:
        text_app.get('/log')
        time.sleep(0.5)
        lines = text_app.logs()
    assert 'DEBUG root: debug record from the app' in lines
    assert not lines.lstrip().startswith('{')
