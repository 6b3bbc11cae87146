"""dispatch: the first app.yaml handler whose url matches the whole path serves the request."""

import logging
import sys

import pytest

from google.appengine.api import appinfo

from conftest import call_wsgi, make_environ, url_map
from python_compat.app.error_pages import ErrorPages
from python_compat.app.router import Route, Router
from python_compat.app.static_files import StaticFileHandler


def script(name):
    """A script handler answering with its own name."""
    def app(environ, start_response):
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return [name]
    return app


def failing_app(environ, start_response):
    raise RuntimeError('app bug')


@pytest.fixture
def app_root(tmpdir):
    tmpdir.join('static/site.css').write('body {}', ensure=True)
    tmpdir.join('error.html').write('<h1>Sorry</h1>')
    return tmpdir


def script_route(url, app, **attributes):
    return Route(url_map(url=url, script='main.app', **attributes), app)


def static_route(root, **attributes):
    entry = url_map(**attributes)
    return Route(entry, StaticFileHandler(str(root), entry, None))


def dispatcher(routes, root=None, error_handlers=()):
    return Router(routes, ErrorPages(str(root), list(error_handlers)))


def get(app, path, **environ):
    return call_wsgi(app, make_environ(path, **environ))


def test_first_matching_handler_wins():
    app = dispatcher([script_route('/a.*', script('first')), script_route('/.*', script('catch-all'))])

    assert get(app, '/abc').body == 'first'
    assert get(app, '/b').body == 'catch-all'


@pytest.mark.parametrize('path', ['/ab', '/a/b', '/xa'])
def test_url_must_match_the_whole_path(path):
    app = dispatcher([script_route('/a', script('a'))])

    assert get(app, path).code == 404


def test_url_alternatives_are_anchored_as_a_whole():
    app = dispatcher([script_route('/a|/b', script('ab'))])

    assert get(app, '/b').body == 'ab'
    assert get(app, '/bc').code == 404


def test_empty_path_is_treated_as_root():
    assert get(dispatcher([script_route('/', script('root'))]), '').body == 'root'


def test_static_dir_url_is_a_prefix_for_files_under_it(app_root):
    app = dispatcher([static_route(app_root, url='/assets', static_dir='static')])

    assert get(app, '/assets/site.css').body == 'body {}'
    assert get(app, '/assets').code == 404
    assert get(app, '/assetsX/site.css').code == 404


def test_static_dir_route_pattern_adds_the_rest_of_the_path_as_a_group(app_root):
    route = static_route(app_root, url='/assets/', static_dir='static')

    assert route.pattern.pattern == '^(?:/assets/(.*))$'
    assert route.is_static


def test_static_files_handler_serves_through_the_dispatcher(app_root):
    app = dispatcher([static_route(app_root, url='/(.*\\.css)', static_files=r'static/\1', upload=r'static/.*')])

    assert get(app, '/site.css').body == 'body {}'


def test_require_matching_file_falls_through_to_the_next_handler_when_the_file_is_missing(app_root):
    app = dispatcher([static_route(app_root, url='/(.*)', static_files=r'static/\1', upload=r'static/.*',
                                   require_matching_file=True),
                      script_route('/.*', script('script'))])

    assert get(app, '/site.css').body == 'body {}'
    assert get(app, '/missing.css').body == 'script'


def test_without_require_matching_file_a_missing_static_file_is_404(app_root):
    app = dispatcher([static_route(app_root, url='/(.*)', static_files=r'static/\1', upload=r'static/.*'),
                      script_route('/.*', script('script'))])

    assert get(app, '/missing.css').code == 404


def test_no_matching_handler_is_404():
    response = get(dispatcher([script_route('/a', script('a'))]), '/b')

    assert (response.code, response.body) == (404, '404 Not Found\n')


def test_404_uses_the_default_error_handler_page(app_root):
    app = dispatcher([], app_root, [appinfo.ErrorHandlers(file='error.html')])

    response = get(app, '/nothing')

    assert (response.code, response.body) == (404, '<h1>Sorry</h1>')
    assert response.header('Content-Type') == 'text/html; charset=utf-8'


def test_error_handler_mime_type_is_used(app_root):
    app = dispatcher([], app_root, [appinfo.ErrorHandlers(file='error.html', mime_type='text/x-custom')])

    assert get(app, '/nothing').header('Content-Type') == 'text/x-custom'


def test_error_handlers_for_specific_codes_are_not_the_default_page(app_root):
    app = dispatcher([], app_root, [appinfo.ErrorHandlers(file='error.html', error_code='over_quota')])

    assert get(app, '/nothing').body == '404 Not Found\n'


def test_app_exception_is_500_with_exc_info():
    response = get(dispatcher([script_route('/.*', failing_app)]), '/boom')

    assert (response.code, response.body) == (500, '500 Internal Server Error\n')
    assert response.exc_info[0] is RuntimeError


def test_app_exception_is_logged_with_the_script_and_path(caplog):
    get(dispatcher([script_route('/.*', failing_app)]), '/boom')

    record, = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert record.getMessage() == 'Unhandled exception in main.app serving /boom'
    assert record.exc_info[0] is RuntimeError


def test_app_exception_uses_the_default_error_handler_page(app_root):
    app = dispatcher([script_route('/.*', failing_app)], app_root, [appinfo.ErrorHandlers(file='error.html')])

    response = get(app, '/boom')

    assert (response.code, response.body) == (500, '<h1>Sorry</h1>')


def test_app_exception_after_start_response_replaces_the_unsent_status_with_a_500():
    def late_failure(environ, start_response):
        start_response('200 OK', [])
        raise RuntimeError('after headers')

    response = get(dispatcher([script_route('/.*', late_failure)]), '/')

    assert (response.code, response.exc_info[0]) == (500, RuntimeError)


def test_app_exception_after_the_head_was_sent_is_reraised_by_the_server():
    def late_failure(environ, start_response):
        start_response('200 OK', [])
        raise RuntimeError('after headers')

    def sent_start_response(status, headers, exc_info=None):
        if exc_info is not None:
            raise exc_info[0], exc_info[1], exc_info[2]  # what a WSGI server does once the head is out

    with pytest.raises(RuntimeError):
        dispatcher([script_route('/.*', late_failure)])(make_environ('/'), sent_start_response)


def test_handler_rules_run_before_the_handler():
    called = []

    def app(environ, start_response):
        called.append(True)
        return script('x')(environ, start_response)

    response = get(dispatcher([script_route('/.*', app, login='admin')]), '/admin')

    assert response.code == 302
    assert called == []


def test_secure_rule_applies_to_static_handlers_too(app_root):
    app = dispatcher([static_route(app_root, url='/assets', static_dir='static', secure='always')])

    assert get(app, '/assets/site.css').header('Location') == 'https://example.com/assets/site.css'


@pytest.mark.parametrize('url, path, named', [
    ('/_ah/health', '/_ah/health', True),
    ('/readiness_check.*', '/readiness_check', True),
    ('/.*', '/_ah/health', False),
    ('/(.*)', '/liveness_check', False),
    ('/other', '/_ah/health', False),
])
def test_names_path_only_when_a_handler_url_names_the_path(url, path, named):
    assert dispatcher([script_route(url, script('x'))]).names_path(path) is named


def test_names_path_without_handlers_is_false():
    assert dispatcher([]).names_path('/_ah/health') is False


def test_error_pages_without_a_default_pass_exc_info():
    started = []
    try:
        raise ValueError('x')
    except ValueError:
        body = ErrorPages('/nowhere', []).respond(lambda *args: started.append(args), 500, sys.exc_info())

    assert body == ['500 Internal Server Error\n']
    assert started[0][2][0] is ValueError
