"""os.environ is the request's for every module (apps/cgi-forms): cgi.FieldStorage()'s default `environ`, bound when
`cgi` was first imported before any request, reads the request's form, in a CGI script and in a WSGI app."""

import pytest
import requests

FORM = {'greeting': 'hello', 'name': 'Ada'}


@pytest.fixture(scope='module')
def app(app_image, start_app):
    with start_app(app_image('cgi-forms')) as running:
        yield running


def post(app, path, **kwargs):
    return requests.post(app.url + path, timeout=30, **kwargs)


def test_a_cgi_script_reads_a_posted_form_from_stdin_with_no_arguments(app):
    response = post(app, '/cgi/form?page=2', data=FORM)

    assert (response.status_code, response.json()) == (200, dict(FORM, page='2'))


def test_a_cgi_script_reads_a_multipart_form(app):
    response = post(app, '/cgi/form', data={'caption': 'cat'}, files={'photo': ('cat.txt', b'meow')})

    assert response.json() == {'caption': 'cat', 'photo': 'meow'}


def test_a_cgi_script_reads_the_query_string_of_a_get(app):
    assert app.get('/cgi/form?greeting=hi').json() == {'greeting': 'hi'}


def test_a_wsgi_app_reads_a_posted_form_given_the_body_and_the_default_environ(app):
    response = post(app, '/wsgi/body?page=2', data=FORM)

    assert response.json() == dict(FORM, page='2')


def test_a_wsgi_app_with_no_arguments_sees_the_query_string_but_no_body_as_on_python27(app):
    # python27 gave WSGI apps an empty stdin: cgi.FieldStorage() reads the request's method and query string
    # from os.environ, and nothing from stdin.
    response = post(app, '/wsgi/no-arguments?page=2', data=FORM)

    assert response.json() == {'page': '2'}
