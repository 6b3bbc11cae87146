"""request_pipeline: the steps every request goes through, one start_response and one body per request."""

import pytest

from conftest import call_wsgi, make_environ, pipeline_for
from python_compat import request_pipeline
from python_compat.request_environ import LOG_ID_KEY, RequestLocalEnviron


@pytest.fixture
def local_environ():
    return RequestLocalEnviron({'PROCESS': 'yes'})


def test_a_streamed_body_is_counted_for_the_request_log(request_logs):
    def app(environ, start_response):
        start_response('200 OK', [])
        return (chunk for chunk in ['abc', 'defg', ''])

    response = call_wsgi(pipeline_for(app), make_environ())

    assert response.body == 'abcdefg'
    assert request_logs()[0]['httpRequest']['responseSize'] == '7'


def test_a_body_whose_close_fails_still_ends_the_request_and_is_logged(request_logs, local_environ):
    class Body(list):
        def close(self):
            raise IOError('disk gone')

    def app(environ, start_response):
        start_response('200 OK', [])
        return Body(['x'])

    body = pipeline_for(app, local_environ=local_environ)(make_environ('/p'), lambda *args: None)
    list(body)
    with pytest.raises(IOError):
        body.close()

    assert 'PATH_INFO' not in local_environ
    assert [entry['httpRequest']['status'] for entry in request_logs()] == [200]


def test_an_exception_in_a_step_before_the_app_is_logged_as_a_500_and_reraised(request_logs):
    class BrokenUserKeys(object):
        def apply(self, environ):
            raise RuntimeError('identity source down')

    pipeline = pipeline_for(lambda environ, start_response: ['never'])
    pipeline.user_keys = BrokenUserKeys()

    with pytest.raises(RuntimeError):
        pipeline(make_environ(), lambda *args: None)

    assert [entry['httpRequest']['status'] for entry in request_logs()] == [500]


def test_platform_layers_reach_the_app_in_its_request_environment(local_environ):
    seen = []

    def app(environ, start_response):
        seen.append((local_environ.get('PATH_INFO'), local_environ.get('HTTP_X_LAYER')))
        start_response('200 OK', [])
        return ['app']

    def platform_layer(environ, start_response):
        environ['HTTP_X_LAYER'] = 'passed'
        return request_pipeline.app_after_platform_layers(environ, start_response)

    environ = make_environ('/_ah/anything')
    response = call_wsgi(pipeline_for(app, local_environ=local_environ, platform_layers=platform_layer), environ)

    assert response.body == 'app'
    assert seen == [('/_ah/anything', 'passed')]
    assert 'PATH_INFO' not in local_environ
    assert not [key for key in environ if key == request_pipeline._REQUEST_KEY]


def test_a_request_rewritten_by_a_platform_layer_is_logged_as_received_with_the_apps_log_id(request_logs):
    rewritten = []

    def app(environ, start_response):
        start_response('200 OK', [])
        return ['done']

    def platform_layer(environ, start_response):
        forwarded = dict(environ, PATH_INFO='/success')
        rewritten.append(forwarded)
        return request_pipeline.app_after_platform_layers(forwarded, start_response)

    environ = make_environ('/_ah/upload/session')
    call_wsgi(pipeline_for(app, platform_layers=platform_layer), environ)

    entry, = request_logs()
    assert entry['httpRequest']['requestUrl'] == '/_ah/upload/session'
    assert entry['requestLogId'] == rewritten[0][LOG_ID_KEY] == environ[LOG_ID_KEY]
    assert request_pipeline._REQUEST_KEY not in environ


def test_a_platform_layer_that_answers_itself_never_starts_the_request_environment(request_logs, local_environ):
    def platform_layer(environ, start_response):
        start_response('200 OK', [])
        return ['ok\n']

    pipeline = pipeline_for(lambda environ, start_response: ['app'], local_environ=local_environ,
                            platform_layers=platform_layer, platform_paths=['/healthz'])

    environ = make_environ('/healthz')
    assert call_wsgi(pipeline, environ).body == 'ok\n'
    assert LOG_ID_KEY not in environ
    assert request_logs()[0]['httpRequest']['status'] == 200
