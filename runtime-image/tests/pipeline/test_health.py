"""health: liveness answered always, readiness once the app (and warmup) is done, app-owned paths left alone."""

import pytest

from conftest import call_wsgi, make_environ, step_then
from python_compat.pipeline.health import HealthChecks, Readiness
from python_compat.wire import container_status


def app(environ, start_response):
    start_response('200 OK', [])
    return ['from the app']


def health(readiness=None, app_owns=()):
    if readiness is None:
        readiness = Readiness()
        readiness.app_loaded = True
    checks = HealthChecks(readiness, '/_ah/health', '/liveness_check', '/readiness_check',
                          lambda path: path in app_owns)
    return step_then(checks.answer, app)


def get(middleware, path):
    return call_wsgi(middleware, make_environ(path))


@pytest.mark.parametrize('path', ['/_ah/health', '/liveness_check'])
def test_liveness_paths_answer_ok_even_before_the_app_is_loaded(path):
    response = get(health(Readiness()), path)

    assert (response.code, response.body) == (200, 'ok\n')


def test_readiness_is_503_until_the_app_is_loaded():
    response = get(health(Readiness()), '/readiness_check')

    assert (response.code, response.body) == (503, 'not ready\n')


def test_readiness_is_200_once_the_app_is_loaded():
    response = get(health(), '/readiness_check')

    assert (response.code, response.body) == (200, 'ready\n')


@pytest.fixture
def status_file(tmpdir):
    """status_file(**values) -> a ContainerStatus reading the container status file the supervisor writes."""
    path = str(tmpdir.join('status'))
    written = {}

    def write(**values):
        if not written:
            written['file'] = container_status.StatusFile(path, **values)
        else:
            written['file'].set(**values)
        return container_status.ContainerStatus(path)
    return write


def test_readiness_waits_for_warmup_when_enabled(status_file):
    readiness = Readiness(status_file(api_server='up', warmup='pending'))
    readiness.app_loaded = True
    middleware = health(readiness)

    before = get(middleware, '/readiness_check').code
    status_file(warmup='done')

    assert (before, get(middleware, '/readiness_check').code) == (503, 200)


@pytest.mark.parametrize('app_loaded, warmup, ready', [
    (False, 'none', False), (True, 'none', True), (True, 'pending', False), (True, 'done', True),
    (False, 'done', False)])
def test_readiness_truth_table(app_loaded, warmup, ready, status_file):
    readiness = Readiness(status_file(api_server='up', warmup=warmup))
    readiness.app_loaded = app_loaded

    assert readiness.ready is ready


@pytest.mark.parametrize('api_server, ready', [('starting', False), ('up', True), ('restarting', False),
                                               ('failed', False), ('external', True)])
def test_readiness_needs_an_api_server_that_answers(api_server, ready, status_file):
    readiness = Readiness(status_file(api_server=api_server, warmup='none'))
    readiness.app_loaded = True

    assert readiness.ready is ready


@pytest.mark.parametrize('path', ['/_ah/health', '/liveness_check'])
def test_liveness_fails_once_the_api_server_cannot_be_kept_up(path, status_file):
    readiness = Readiness(status_file(api_server='restarting', warmup='none'))
    middleware = health(readiness)

    restarting = get(middleware, path).code
    status_file(api_server='failed')

    assert (restarting, get(middleware, path).code) == (200, 503)


def test_without_a_supervisor_the_process_is_alive_and_ready_once_loaded():
    readiness = Readiness()
    readiness.app_loaded = True

    assert (readiness.alive, readiness.ready) == (True, True)


def test_other_paths_go_to_the_app():
    assert get(health(), '/anything').body == 'from the app'


@pytest.mark.parametrize('path', ['/_ah/health', '/liveness_check', '/readiness_check'])
def test_a_path_the_app_names_is_served_by_the_app(path):
    assert get(health(Readiness(), app_owns=(path,)), path).body == 'from the app'


def test_health_paths_match_exactly():
    assert get(health(), '/_ah/health/extra').body == 'from the app'
