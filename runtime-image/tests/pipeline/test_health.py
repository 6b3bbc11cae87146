"""health: liveness answered always, readiness once the app (and warmup) is done, app-owned paths left alone."""

import pytest

from conftest import call_wsgi, make_environ, step_then
from python_compat.pipeline.health import HealthChecks, Readiness
from python_compat.background.warmup import SharedFlag


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


def test_readiness_waits_for_warmup_when_enabled():
    readiness = Readiness()
    readiness.app_loaded = True
    readiness.warmup_done = SharedFlag()
    middleware = health(readiness)

    before = get(middleware, '/readiness_check').code
    readiness.warmup_done.set()

    assert (before, get(middleware, '/readiness_check').code) == (503, 200)


@pytest.mark.parametrize('app_loaded, warmup_done, ready', [
    (False, None, False), (True, None, True), (True, False, False), (True, True, True), (False, True, False)])
def test_readiness_truth_table(app_loaded, warmup_done, ready):
    readiness = Readiness()
    readiness.app_loaded = app_loaded
    if warmup_done is not None:
        readiness.warmup_done = SharedFlag()
        if warmup_done:
            readiness.warmup_done.set()

    assert readiness.ready is ready


def test_other_paths_go_to_the_app():
    assert get(health(), '/anything').body == 'from the app'


@pytest.mark.parametrize('path', ['/_ah/health', '/liveness_check', '/readiness_check'])
def test_a_path_the_app_names_is_served_by_the_app(path):
    assert get(health(Readiness(), app_owns=(path,)), path).body == 'from the app'


def test_health_paths_match_exactly():
    assert get(health(), '/_ah/health/extra').body == 'from the app'
