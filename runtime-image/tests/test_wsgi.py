"""The request pipeline's platform paths, and that every platform layer acts only on the paths they cover."""

import pytest

from conftest import call_wsgi, make_environ, pipeline_for
from python_compat import blob_upload
from python_compat import devlogin
from python_compat import handler_rules
from python_compat.health import HealthCheckMiddleware, Readiness
from python_compat.request_pipeline import PLATFORM_PREFIX


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
def test_only_platform_paths_go_through_the_platform_layers(path, served_by):
    pipeline = pipeline_for(named('app'), platform_layers=named('platform'), platform_paths=['/healthz', '/ready'])

    assert call_wsgi(pipeline, make_environ(path)).body == served_by


def test_health_layer_names_the_paths_it_answers():
    health = HealthCheckMiddleware(named('app'), Readiness(), '/_ah/health', '/liveness_check', '/readiness_check',
                                   lambda path: path == '/liveness_check')

    assert health.paths() == {'/_ah/health', '/readiness_check'}


@pytest.mark.parametrize('path', [devlogin.LOGIN_PATH, devlogin.LOGOUT_PATH, blob_upload.PATH_PREFIX + 'session',
                                  '/_ah/mail/someone@example.com', '/_ah/bounce'])
def test_the_other_platform_layers_act_under_the_platform_prefix(path):
    assert path.startswith(PLATFORM_PREFIX)
    if 'mail' in path or 'bounce' in path:
        assert handler_rules._INBOUND_MAIL_PATH.match(path)
