"""WSGI script handlers (`script: module.attr`)."""

import sys
import textwrap

import pytest

from python_compat.errors import StartupError
from python_compat.app.wsgi_scripts import import_wsgi_app


@pytest.fixture
def app_modules(tmpdir, monkeypatch):
    """`app_modules(name=source, ...)`: modules importable from a temporary app root, forgotten afterwards."""
    monkeypatch.syspath_prepend(str(tmpdir))
    before = set(sys.modules)

    def write(**modules):
        for name, source in modules.items():
            tmpdir.join(name.replace('.', '/') + '.py').write(textwrap.dedent(source), ensure=True)

    yield write
    for name in set(sys.modules) - before:
        del sys.modules[name]


def import_error(script):
    with pytest.raises(StartupError) as error:
        import_wsgi_app(script, '/app/app.yaml', 'handlers[0].script')
    assert '\n' not in str(error.value)
    return error.value


def test_import_wsgi_app_returns_the_named_callable(app_modules):
    app_modules(compat_main='def app(environ, start_response):\n    return ["ok"]\n')

    assert import_wsgi_app('compat_main.app', '/app/app.yaml', 'handlers[0].script').__name__ == 'app'


def test_import_wsgi_app_from_a_package(app_modules):
    app_modules(**{'compat_pkg.__init__': '', 'compat_pkg.web': 'app = lambda environ, start_response: []\n'})

    assert callable(import_wsgi_app('compat_pkg.web.app', '/app/app.yaml', 'handlers[0].script'))


def test_script_without_a_dot_is_an_error():
    assert str(import_error('application')) == (
        "/app/app.yaml: handlers[0].script: 'application': expected module.attribute naming a WSGI app")


def test_missing_module_is_one_line_naming_it(app_modules):
    assert str(import_error('compat_absent.app')) == (
        "/app/app.yaml: handlers[0].script: 'compat_absent.app': no module named 'compat_absent' in the app root")


def test_missing_import_inside_the_module_is_reported_as_the_apps_error(app_modules):
    app_modules(compat_needs='import compat_dependency_absent\napp = None\n')

    error = import_error('compat_needs.app')

    assert error.line() == ("/app/app.yaml: handlers[0].script: 'compat_needs.app': importing compat_needs raised "
                            "ImportError: No module named compat_dependency_absent")
    assert 'compat_needs.py' in error.app_traceback


def test_app_exception_during_import_is_one_line_with_the_traceback_kept(app_modules):
    app_modules(compat_broken='x = 1\nraise ValueError("bad config")\n')

    error = import_error('compat_broken.app')

    assert str(error) == ("/app/app.yaml: handlers[0].script: 'compat_broken.app': importing compat_broken raised "
                          "ValueError: bad config")
    assert 'compat_broken.py", line 2' in error.app_traceback


def test_missing_attribute_is_one_line_naming_it(app_modules):
    app_modules(compat_noattr='application = None\n')

    assert str(import_error('compat_noattr.app')) == (
        "/app/app.yaml: handlers[0].script: 'compat_noattr.app': module compat_noattr has no attribute 'app'")


def test_non_callable_attribute_is_one_line(app_modules):
    app_modules(compat_notcallable='app = "not an app"\n')

    assert str(import_error('compat_notcallable.app')) == (
        "/app/app.yaml: handlers[0].script: 'compat_notcallable.app': compat_notcallable.app is not a WSGI callable")


# SerializedCall
