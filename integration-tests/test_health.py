"""Health checks: answered by the runtime unless the app names the path; readiness waits for warmup."""

import json
import time


def test_legacy_health_and_readiness_are_answered_by_the_runtime(app_image, start_app):
    with start_app(app_image('behaviours')) as app:
        assert app.get('/_ah/health').text == 'ok\n'
        # Ready once the API server, which starts next to the app, answers too.
        deadline = time.monotonic() + 30
        while app.get('/readiness_check').status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert app.get('/readiness_check').text == 'ready\n'


def test_a_path_the_app_names_stays_the_apps(app_image, start_app):
    with start_app(app_image('behaviours')) as app:
        assert app.get('/liveness_check').json() == {'owner': 'app'}


def test_readiness_fails_until_the_single_warmup_request_has_run(app_image, start_app):
    with start_app(app_image('serialized'), wait_path='/_ah/health', environment={'WEB_CONCURRENCY': '2'}) as app:
        statuses = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            statuses.append(app.get('/readiness_check').status_code)
            if statuses[-1] == 200:
                break
            time.sleep(0.1)
        assert statuses[0] == 503  # the warmup handler sleeps 2 s
        assert statuses[-1] == 200
        # exactly one warmup per container, although two workers serve
        time.sleep(0.5)
        entries = [json.loads(line) for line in app.logs().splitlines() if line.startswith('{')]
        warmup_logs = [entry for entry in entries if entry.get('httpRequest', {}).get('requestUrl') == '/_ah/warmup']
        assert len(warmup_logs) == 1
        assert app.settled_worker_count() == 2
