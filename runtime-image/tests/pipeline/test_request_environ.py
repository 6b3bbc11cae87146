"""request_environ: os.environ per request, isolated between greenlets and threads, restored afterwards."""

import collections
import os
import re
import threading

import gevent
import pytest

from conftest import call_wsgi, make_environ, pipeline_for
from python_compat.pipeline import request_environ
from python_compat.pipeline.request_environ import RequestLocalEnviron


@pytest.fixture
def environ():
    return RequestLocalEnviron({'PROCESS': 'yes', 'APPLICATION_ID': 'dev~app'})


def test_outside_a_request_reads_the_process_environment(environ):
    assert environ['PROCESS'] == 'yes'
    assert 'USER_EMAIL' not in environ


def test_a_request_sees_the_process_environment_plus_its_values(environ):
    environ.begin_request({'USER_EMAIL': 'a@example.com'})

    assert (environ['PROCESS'], environ['USER_EMAIL']) == ('yes', 'a@example.com')
    assert len(environ) == 3
    assert sorted(environ) == ['APPLICATION_ID', 'PROCESS', 'USER_EMAIL']


def test_writes_during_a_request_do_not_reach_the_process_environment(environ):
    environ.begin_request({})
    environ['SET_BY_APP'] = '1'
    del environ['PROCESS']
    environ.end_request()

    assert 'SET_BY_APP' not in environ.data
    assert environ.data['PROCESS'] == 'yes'


def test_end_of_request_restores_the_process_environment(environ):
    environ.begin_request({'USER_EMAIL': 'a@example.com'})
    environ.end_request()

    assert 'USER_EMAIL' not in environ
    assert environ['PROCESS'] == 'yes'


def test_writes_outside_a_request_go_to_the_process_environment(environ):
    environ['LATE'] = '1'

    assert environ.data['LATE'] == '1'


def test_copy_is_a_plain_dict_of_the_current_request(environ):
    environ.begin_request({'USER_EMAIL': 'a@example.com'})
    copied = environ.copy()
    copied['USER_EMAIL'] = 'changed'

    assert type(copied) is dict
    assert copied['PROCESS'] == 'yes'
    assert environ['USER_EMAIL'] == 'a@example.com'


def test_copy_outside_a_request_is_the_process_environment(environ):
    assert environ.copy() == {'PROCESS': 'yes', 'APPLICATION_ID': 'dev~app'}


def test_get_and_iteritems_work_like_a_dict(environ):
    assert environ.get('MISSING', 'default') == 'default'
    assert dict(environ.iteritems()) == environ.copy()


def test_has_key_works_as_on_python27(environ):
    assert environ.has_key('PROCESS')  # noqa: W601 - python27 apps call it


def test_a_request_that_clears_its_environ_does_not_fall_back_to_the_process(environ):
    environ.begin_request({})
    environ.clear()
    environ['AFTER_CLEAR'] = '1'
    environ.end_request()

    assert environ.data == {'PROCESS': 'yes', 'APPLICATION_ID': 'dev~app'}


def test_concurrent_greenlets_each_see_their_own_request(environ):
    seen = {}

    def request(name):
        environ.begin_request({'USER_EMAIL': name})
        gevent.sleep(0)  # let the other greenlet begin its request
        environ['WRITTEN'] = name
        gevent.sleep(0)
        seen[name] = (environ['USER_EMAIL'], environ['WRITTEN'])
        environ.end_request()

    gevent.joinall([gevent.spawn(request, 'a'), gevent.spawn(request, 'b')], raise_error=True)

    assert seen == {'a': ('a', 'a'), 'b': ('b', 'b')}
    assert 'USER_EMAIL' not in environ and 'WRITTEN' not in environ


def test_concurrent_threads_each_see_their_own_request(environ):
    begun = [threading.Event(), threading.Event()]
    seen = {}

    def request(index, name):
        environ.begin_request({'USER_EMAIL': name})
        begun[index].set()
        for event in begun:
            event.wait(5)
        seen[name] = environ['USER_EMAIL']
        environ.end_request()

    threads = [threading.Thread(target=request, args=(index, name)) for index, name in enumerate('ab')]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)

    assert seen == {'a': 'a', 'b': 'b'}
    assert 'USER_EMAIL' not in environ


def test_a_thread_outside_a_request_sees_the_process_environment(environ):
    environ.begin_request({'USER_EMAIL': 'main@example.com'})
    seen = []
    thread = threading.Thread(target=lambda: seen.append(environ.get('USER_EMAIL')))
    thread.start()
    thread.join(5)

    assert seen == [None]


def test_install_makes_os_environ_itself_per_request_and_os_getenv_follows(monkeypatch):
    original = os._Environ(dict(os.environ, PROCESS='yes'))
    monkeypatch.setattr(os, 'environ', original)
    monkeypatch.setattr(os, 'getenv', os.getenv)
    installed = request_environ.install()

    installed.begin_request({'USER_EMAIL': 'a@example.com'})
    during = os.getenv('USER_EMAIL'), os.getenv('PROCESS')
    installed.end_request()

    assert os.environ is installed is original
    assert during == ('a@example.com', 'yes')
    assert os.getenv('USER_EMAIL') is None


def test_a_reference_taken_before_install_reads_the_request(monkeypatch):
    captured = os._Environ({'PROCESS': 'yes'})
    monkeypatch.setattr(os, 'environ', captured)
    monkeypatch.setattr(os, 'getenv', os.getenv)
    installed = request_environ.install()

    installed.begin_request({'REQUEST_METHOD': 'POST'})
    seen = captured.get('REQUEST_METHOD'), captured['PROCESS']
    installed.end_request()

    assert seen == ('POST', 'yes')
    assert 'REQUEST_METHOD' not in captured


def test_cgi_field_storage_imported_before_install_reads_the_requests_form():
    import cgi
    # Its default argument is the os.environ object of the time cgi was first imported (by the test runner,
    # as by gunicorn in the runtime): this process's own.
    assert any(default is os.environ for default in cgi.FieldStorage.__init__.im_func.func_defaults)
    installed = request_environ.install()

    installed.begin_request({'REQUEST_METHOD': 'GET', 'QUERY_STRING': 'greeting=hi'})
    try:
        form = cgi.FieldStorage()
    finally:
        installed.end_request()

    assert form.getfirst('greeting') == 'hi'


def test_install_is_idempotent(monkeypatch):
    monkeypatch.setattr(os, 'environ', os._Environ(dict(os.environ)))
    monkeypatch.setattr(os, 'getenv', os.getenv)

    assert request_environ.install() is request_environ.install()


def test_install_refuses_an_os_environ_someone_else_replaced(monkeypatch):
    monkeypatch.setattr(os, 'environ', {})

    with pytest.raises(TypeError):
        request_environ.install()


def test_it_is_a_mutable_mapping_as_python27s_os_environ_was(environ):
    assert isinstance(environ, collections.MutableMapping)


def test_the_dict_api_works_on_the_request(environ):
    environ.begin_request({})
    environ.setdefault('SET', 'first')
    environ.setdefault('SET', 'second')
    popped = environ.pop('PROCESS'), environ.pop('PROCESS', 'gone')
    environ.update({'UPDATED': '1'})

    assert (environ['SET'], popped, environ['UPDATED']) == ('first', ('yes', 'gone'), '1')
    assert sorted(environ.keys()) == sorted(environ.copy()) == ['APPLICATION_ID', 'SET', 'UPDATED']
    assert dict(environ.items()) == dict(environ.viewitems()) == environ.copy()
    environ.end_request()
    assert environ.data == {'PROCESS': 'yes', 'APPLICATION_ID': 'dev~app'}


# Requests through the pipeline

def test_request_values_show_cgi_variables_and_http_headers_only(environ):
    environ.begin_request(request_environ.request_values(
        make_environ('/p', query='a=1', headers={'X-Custom': 'v'}, **{'python_compat.flag': 'x', 'NUMBER': 1})))

    assert (environ['PATH_INFO'], environ['QUERY_STRING'], environ['REQUEST_METHOD']) == ('/p', 'a=1', 'GET')
    assert (environ['HTTP_X_CUSTOM'], environ['HTTP_HOST']) == ('v', 'example.com')
    for hidden in ('wsgi.input', 'wsgi.url_scheme', 'python_compat.flag', 'NUMBER'):
        assert hidden not in environ and environ.get(hidden) is None and hidden not in environ.copy()
    with pytest.raises(KeyError):
        environ['wsgi.input']


def test_platform_variables_sit_between_the_request_and_the_process(environ):
    environ.platform_variables = {'SERVER_NAME': 'platform', 'GAE_SERVICE': 'svc', 'PROCESS': 'platform'}
    environ.begin_request({'SERVER_NAME': 'from-request'})

    assert (environ['SERVER_NAME'], environ['GAE_SERVICE'], environ['PROCESS']) == ('from-request', 'svc',
                                                                                   'platform')
    assert environ.copy()['PROCESS'] == 'platform'


def test_deleting_a_request_variable_hides_it_for_the_rest_of_the_request(environ):
    environ.begin_request({'HTTP_X_A': '1'})
    del environ['HTTP_X_A']
    del environ['PROCESS']

    assert ('HTTP_X_A' in environ, environ.get('PROCESS', 'gone'), 'PROCESS' in environ.copy()) == (
        False, 'gone', False)
    environ.end_request()
    assert environ['PROCESS'] == 'yes'


def test_request_log_ids_stay_unique_across_batches():
    ids = [request_environ.new_request_log_id() for _ in range(1000)]

    assert len(set(ids)) == 1000 and all(isinstance(log_id, str) and len(log_id) == 32 for log_id in ids)


@pytest.mark.parametrize('scheme, https', [('https', 'on'), ('http', 'off')])
def test_request_values_https_follows_the_url_scheme(scheme, https):
    assert request_environ.request_values(make_environ(**{'wsgi.url_scheme': scheme}))['HTTPS'] == https


def test_request_values_carry_a_fresh_request_log_id_and_its_hash():
    first = request_environ.request_values(make_environ())
    second = request_environ.request_values(make_environ())

    assert re.match(r'^[0-9a-f]{32}$', first['REQUEST_LOG_ID'])
    assert first['REQUEST_LOG_ID'] != second['REQUEST_LOG_ID']
    assert first['REQUEST_ID_HASH'] == first['REQUEST_LOG_ID'][:8].upper()


def test_request_values_user_comes_from_the_identity_layer_with_anonymous_defaults():
    anonymous = request_environ.request_values(make_environ())
    signed_in = request_environ.request_values(make_environ(USER_EMAIL='a@example.com', USER_IS_ADMIN='1'))

    assert (anonymous['USER_EMAIL'], anonymous['USER_ID'], anonymous['USER_IS_ADMIN']) == ('', '', '0')
    assert (signed_in['USER_EMAIL'], signed_in['USER_IS_ADMIN']) == ('a@example.com', '1')


def test_pipeline_gives_the_app_the_request_environment(environ):
    def app(wsgi_environ, start_response):
        start_response('200 OK', [])
        return ['%s %s %s' % (environ['PATH_INFO'], environ['PROCESS'],
                              environ['REQUEST_LOG_ID'] == wsgi_environ['python_compat.request_log_id'])]

    assert call_wsgi(pipeline_for(app, local_environ=environ), make_environ('/hello')).body == '/hello yes True'


def test_platform_variables_apply_over_the_process_environment(environ):
    environ.data['SERVER_SOFTWARE'] = 'gunicorn/19.10.0'

    def app(wsgi_environ, start_response):
        start_response('200 OK', [])
        return [environ['SERVER_SOFTWARE']]

    environ.platform_variables = {'SERVER_SOFTWARE': 'Development/1.9.88 python-compat'}

    response = call_wsgi(pipeline_for(app, local_environ=environ), make_environ())

    assert response.body == 'Development/1.9.88 python-compat'


def test_the_apps_wsgi_environ_carries_the_platforms_server_software(environ):
    environ.platform_variables = {'SERVER_SOFTWARE': 'Google App Engine/1.9.88'}

    def app(wsgi_environ, start_response):
        start_response('200 OK', [])
        return [wsgi_environ['SERVER_SOFTWARE']]

    response = call_wsgi(pipeline_for(app, local_environ=environ), make_environ(SERVER_SOFTWARE='gunicorn/19.10.0'))

    assert response.body == 'Google App Engine/1.9.88'


def test_the_request_ends_when_the_body_is_closed(environ):
    def app(wsgi_environ, start_response):
        start_response('200 OK', [])
        return ['ok']

    call_wsgi(pipeline_for(app, local_environ=environ), make_environ('/hello'))

    assert 'PATH_INFO' not in environ


def test_streamed_body_keeps_the_request_environment_until_close(environ):
    def app(wsgi_environ, start_response):
        start_response('200 OK', [])

        def body():
            yield environ['PATH_INFO']
            yield environ['PATH_INFO']
        return body()

    body = pipeline_for(app, local_environ=environ)(make_environ('/streamed'), lambda *args: None)
    chunks = list(body)
    before_close = environ.get('PATH_INFO')
    body.close()

    assert chunks == ['/streamed', '/streamed']
    assert before_close == '/streamed'
    assert 'PATH_INFO' not in environ


def test_closing_the_body_closes_the_apps_body_first(environ):
    events = []

    class Body(list):
        def close(self):
            events.append(('closed with', environ.get('PATH_INFO')))

    def app(wsgi_environ, start_response):
        start_response('200 OK', [])
        return Body(['x'])

    call_wsgi(pipeline_for(app, local_environ=environ), make_environ('/p'))

    assert events == [('closed with', '/p')]


def test_app_exception_ends_the_request(environ):
    def app(wsgi_environ, start_response):
        raise RuntimeError('boom')

    with pytest.raises(RuntimeError):
        pipeline_for(app, local_environ=environ)(make_environ('/p'), lambda *args: None)

    assert 'PATH_INFO' not in environ


def test_a_forked_process_does_not_reuse_the_parents_request_log_ids():
    request_environ.new_request_log_id()  # this process now holds a batch of ids
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.write(write_end, request_environ.new_request_log_id())
        os._exit(0)
    os.waitpid(pid, 0)

    assert os.read(read_end, 64) != request_environ.new_request_log_id()
