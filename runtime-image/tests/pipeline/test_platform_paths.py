"""The request pipeline's platform paths, and that every platform layer acts only on the paths they cover."""

import pytest

from conftest import call_wsgi, make_environ, pipeline_for
from python_compat.wire import blob_upload as blob_upload_wire
from python_compat.pipeline import devlogin
from python_compat.pipeline import inbound_mail
from python_compat.pipeline.health import HealthChecks, Readiness
from python_compat.pipeline.request_pipeline import PLATFORM_PREFIX


def named(name):
    def app(environ, start_response):
        start_response('200 OK', [])
        return [name]
    return app


@pytest.mark.parametrize('path, served_by', [
    ('/', 'app'), ('/index.html', 'app'), ('/_ah', 'app'), ('/x/_ah/login', 'app'), ('', 'app'),
    ('/_ah/login', 'platform'), ('/_ah/upload/abc', 'platform'), ('/_ah/mail/a@b', 'platform'),
    ('/healthz', 'platform'), ('/ready', 'platform'),
])
def test_only_platform_paths_go_through_the_platform_steps(path, served_by):
    pipeline = pipeline_for(named('app'), platform_steps=[named('platform')], platform_paths=['/healthz', '/ready'])

    assert call_wsgi(pipeline, make_environ(path)).body == served_by


def test_health_step_names_the_paths_it_answers():
    health = HealthChecks(Readiness(), '/_ah/health', '/liveness_check', '/readiness_check',
                          lambda path: path == '/liveness_check')

    assert health.paths() == {'/_ah/health', '/readiness_check'}


@pytest.mark.parametrize('path', [devlogin.LOGIN_PATH, devlogin.LOGOUT_PATH, blob_upload_wire.PATH_PREFIX + 'session',
                                  '/_ah/mail/someone@example.com', '/_ah/bounce'])
def test_the_other_platform_steps_act_under_the_platform_prefix(path):
    assert path.startswith(PLATFORM_PREFIX)
    if 'mail' in path or 'bounce' in path:
        assert inbound_mail._INBOUND_MAIL_PATH.match(path)
