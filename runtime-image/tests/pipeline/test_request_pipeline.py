"""request_pipeline: the steps every request goes through, one start_response and one body per request."""

import pytest

from conftest import call_wsgi, make_environ, pipeline_for
from python_compat.wire import internal_token
from python_compat.logs.request_log import LOG_ID_KEY
from python_compat.pipeline.request_environ import RequestLocalEnviron


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


def test_platform_steps_pass_requests_on_to_the_app_in_its_request_environment(local_environ):
    seen = []

    def app(environ, start_response):
        seen.append((local_environ.get('PATH_INFO'), local_environ.get('HTTP_X_STEP')))
        start_response('200 OK', [])
        return ['app']

    def platform_step(environ, start_response):
        environ['HTTP_X_STEP'] = 'passed'
        return None

    environ = make_environ('/_ah/anything')
    response = call_wsgi(pipeline_for(app, local_environ=local_environ, platform_steps=[platform_step]), environ)

    assert response.body == 'app'
    assert seen == [('/_ah/anything', 'passed')]
    assert 'PATH_INFO' not in local_environ
    # Nothing of the pipeline's own travels in the environ but the request's log id and internal flag.
    assert [key for key in environ if key.startswith('python_compat.')
            and key not in (LOG_ID_KEY, internal_token.ENVIRON_FLAG)] == []


class RewritingUploads(object):
    """Stands in for blob_upload.BlobUploads: serves every upload as a POST to /success."""

    def __init__(self):
        self.rewritten = []

    def serve(self, environ, start_response, serve_success_path):
        forwarded = dict(environ, PATH_INFO='/success')
        self.rewritten.append(forwarded)
        return serve_success_path(forwarded)


def test_a_request_rewritten_by_a_platform_step_is_logged_as_received_with_the_apps_log_id(request_logs):
    def app(environ, start_response):
        start_response('200 OK', [])
        return ['done']

    uploads = RewritingUploads()
    environ = make_environ('/_ah/upload/session')
    call_wsgi(pipeline_for(app, blob_uploads=uploads), environ)

    entry, = request_logs()
    assert entry['httpRequest']['requestUrl'] == '/_ah/upload/session'
    assert entry['requestLogId'] == uploads.rewritten[0][LOG_ID_KEY] == environ[LOG_ID_KEY]
    assert uploads.rewritten[0]['PATH_INFO'] == '/success'


def test_a_platform_step_that_answers_itself_never_starts_the_request_environment(request_logs, local_environ):
    def platform_step(environ, start_response):
        start_response('200 OK', [])
        return ['ok\n']

    pipeline = pipeline_for(lambda environ, start_response: ['app'], local_environ=local_environ,
                            platform_steps=[platform_step], platform_paths=['/healthz'])

    environ = make_environ('/healthz')
    assert call_wsgi(pipeline, environ).body == 'ok\n'
    assert LOG_ID_KEY not in environ
    assert request_logs()[0]['httpRequest']['status'] == 200
