"""The embedded API server is kept up for the container's whole life, and the health checks say when it is not:
every kill restarts it, readiness fails while API calls cannot succeed, liveness fails when it cannot be kept up."""

import time

import requests

from test_api_durability import api_server_pid, note_text, put_note

KILLS = 4


def wait_for(predicate, timeout, message):
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
            if value:
                return value
        except (requests.RequestException, AssertionError):
            pass  # not yet: no answer, or no API server process at this moment
        assert time.monotonic() < deadline, message
        time.sleep(0.1)


def status_of(app, path):
    return app.get(path, timeout=5).status_code


def kill_api_server(app):
    killed = api_server_pid(app.container)
    exit_code, output = app.container.exec_run(['sh', '-c', 'kill -KILL ' + killed])
    assert exit_code == 0, output
    return killed


def test_every_kill_of_the_api_server_is_followed_by_a_restart_and_no_acknowledged_write_is_lost(app_image,
                                                                                                 start_app):
    with start_app(app_image('api-shared-state'), wait_path='/readiness_check') as app:
        acknowledged = []
        for kill in range(KILLS):
            for n in range(5):
                name = 'kill%d-write%d' % (kill, n)
                put_note(app, name, 'text of ' + name)
                acknowledged.append(name)
            killed = kill_api_server(app)
            wait_for(lambda killed=killed: api_server_pid(app.container) != killed, 30,
                     'no new API server after kill %d: %s' % (kill, app.logs()[-3000:]))
            wait_for(lambda: status_of(app, '/readiness_check') == 200, 30,
                     'not ready again after kill %d: %s' % (kill, app.logs()[-3000:]))

        held = [name for name in acknowledged if note_text(app, name) == 'text of ' + name]
        print('kill -9 of the API server: %d kills, %d acknowledged writes, %d held' % (KILLS, len(acknowledged),
                                                                                      len(held)))
        assert held == acknowledged
        assert status_of(app, '/_ah/health') == 200


def test_readiness_fails_while_the_api_server_restarts(app_image, start_app):
    with start_app(app_image('api-shared-state'), wait_path='/readiness_check') as app:
        kill_api_server(app)

        wait_for(lambda: status_of(app, '/readiness_check') == 503, 10, 'readiness never failed')
        assert status_of(app, '/liveness_check') == 200
        wait_for(lambda: status_of(app, '/readiness_check') == 200, 30, 'readiness never came back')


def test_liveness_fails_while_the_api_server_cannot_be_kept_up_and_recovers_with_it(app_image, start_app):
    with start_app(app_image('api-shared-state'), wait_path='/readiness_check') as app:
        # The storage directory becomes unusable: every restart of the API server fails at once.
        exit_code, output = app.container.exec_run(['chmod', '000', '/var/lib/python-compat/api'], user='root')
        assert exit_code == 0, output
        kill_api_server(app)

        wait_for(lambda: status_of(app, '/liveness_check') == 503, 60,
                 'liveness never failed: %s' % app.logs()[-3000:])
        assert status_of(app, '/_ah/health') == 503
        assert status_of(app, '/readiness_check') == 503
        assert 'could not be kept up' in app.logs()

        app.container.exec_run(['chmod', '755', '/var/lib/python-compat/api'], user='root')
        wait_for(lambda: status_of(app, '/readiness_check') == 200, 60,
                 'the API server never came back: %s' % app.logs()[-3000:])
        assert status_of(app, '/liveness_check') == 200
        put_note(app, 'after-recovery', 'written')
        assert note_text(app, 'after-recovery') == 'written'
