"""AppLoader: what App Engine only found when a request arrived is a start-up warning, and the rest serves;
STRICT_STARTUP turns it into a start-up error."""

import logging
import os
import sys
import textwrap

import pytest

from conftest import call_wsgi, make_environ
from python_compat.app.appyaml import load_app_yaml
from python_compat.app.loader import AppLoader
from python_compat.errors import StartupError

APP = 'def app(environ, start_response):\n    start_response("200 OK", [])\n    return ["%s"]\n'


@pytest.fixture
def app_root(tmpdir, monkeypatch):
    """`app_root(app_yaml, **files)` writes an app (files by relative path) and returns its AppConfig; the
    process state the loader changes (cwd, sys.path, stdin, imported modules) is restored afterwards."""
    monkeypatch.chdir(str(tmpdir))
    monkeypatch.setattr(sys, 'path', list(sys.path))
    monkeypatch.setattr(sys, 'stdin', sys.stdin)
    before = set(sys.modules)

    def write(app_yaml, **files):
        tmpdir.join('app.yaml').write(textwrap.dedent(app_yaml))
        for name, content in files.items():
            tmpdir.join(name).write(textwrap.dedent(content), ensure=True)
        return load_app_yaml(str(tmpdir.join('app.yaml')))

    yield write
    for name in set(sys.modules) - before:
        del sys.modules[name]


def warnings_of(caplog):
    return [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]


TWO_SCRIPTS = '''
runtime: python27
api_version: 1
threadsafe: true
handlers:
- url: /good
  script: loader_good.app
- url: /.*
  script: loader_broken.app
'''


def test_a_script_that_cannot_be_imported_is_one_warning_and_the_other_handlers_serve(app_root, caplog):
    config = app_root(TWO_SCRIPTS, **{'loader_good.py': APP % 'good',
                                      'loader_broken.py': 'raise ValueError("no config")\n'})

    router = AppLoader(config).load()

    assert call_wsgi(router, make_environ('/good')).body == 'good'
    assert call_wsgi(router, make_environ('/other')).code == 500
    [warning] = warnings_of(caplog)
    assert warning.startswith("%s: handlers[1].script: 'loader_broken.app': importing it raised ValueError: no "
                              "config; requests to this handler answer 500" % config.path)
    assert 'Traceback' in warning and 'loader_broken.py' in warning


def test_a_script_that_cannot_be_imported_is_retried_on_each_request(app_root, tmpdir):
    config = app_root(TWO_SCRIPTS, **{'loader_good.py': APP % 'good'})
    router = AppLoader(config).load()
    failed = call_wsgi(router, make_environ('/other')).code
    tmpdir.join('loader_broken.py').write(APP % 'fixed')

    assert (failed, call_wsgi(router, make_environ('/other')).body) == (500, 'fixed')


def test_strict_startup_stops_at_a_script_that_cannot_be_imported(app_root):
    config = app_root(TWO_SCRIPTS, **{'loader_good.py': APP % 'good'})

    with pytest.raises(StartupError) as error:
        AppLoader(config, strict=True).load()

    assert error.value.line() == ("%s: handlers[1].script: 'loader_broken.app': no module named 'loader_broken' "
                                  "in the app root" % config.path)


def test_a_missing_error_page_is_a_warning_and_the_runtimes_own_page_serves(app_root, caplog):
    config = app_root(TWO_SCRIPTS.replace('handlers:', 'error_handlers:\n- file: missing.html\nhandlers:'),
                      **{'loader_good.py': APP % 'good', 'loader_broken.py': APP % 'broken'})

    router = AppLoader(config).load()

    assert call_wsgi(router, make_environ('/good')).body == 'good'
    assert "error_handlers[0].file: 'missing.html': expected a readable file inside the app root" in (
        warnings_of(caplog)[0])
    assert router.error_pages.default is None


def test_strict_startup_stops_at_a_missing_error_page(app_root):
    config = app_root(TWO_SCRIPTS.replace('handlers:', 'error_handlers:\n- file: missing.html\nhandlers:'),
                      **{'loader_good.py': APP % 'good', 'loader_broken.py': APP % 'broken'})

    with pytest.raises(StartupError):
        AppLoader(config, strict=True).load()


def test_a_missing_static_dir_is_a_warning(app_root, caplog):
    config = app_root('''
        runtime: python27
        api_version: 1
        threadsafe: true
        handlers:
        - url: /assets
          static_dir: assets
        - url: /good
          script: loader_good.app
    ''', **{'loader_good.py': APP % 'good'})

    router = AppLoader(config).load()

    assert call_wsgi(router, make_environ('/assets/site.css')).code == 404
    assert "handlers[0].static_dir: 'assets': no such directory in the app root; its requests answer 404" in (
        warnings_of(caplog)[0])


CGI = '''
runtime: python27
api_version: 1
threadsafe: false
handlers:
- url: /missing
  script: missing.py
- url: /broken
  script: broken.py
- url: /.*
  script: cgi/hello.py
'''


def test_a_missing_cgi_script_answers_404_and_a_broken_one_500(app_root, caplog):
    config = app_root(CGI, **{'broken.py': 'if True print 1\n',
                              'cgi/hello.py': 'print "Content-Type: text/plain"\nprint\nprint "hello",\n'})

    router = AppLoader(config).load()

    assert [call_wsgi(router, make_environ(path)).code for path in ('/missing', '/broken')] == [404, 500]
    assert call_wsgi(router, make_environ('/')).body == 'hello'
    assert [warning.split(';')[0] for warning in warnings_of(caplog)] == [
        "%s: handlers[0].script: 'missing.py': file not found" % config.path,
        "%s: handlers[1].script: 'broken.py': line 1: invalid syntax" % config.path]


def test_the_app_gets_an_empty_stdin(app_root):
    config = app_root(TWO_SCRIPTS, **{'loader_good.py': APP % 'good', 'loader_broken.py': APP % 'broken'})

    AppLoader(config).load()

    assert sys.stdin.name == os.devnull and sys.stdin.read() == ''
