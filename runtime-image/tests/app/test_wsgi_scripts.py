"""WSGI script handlers (`script: module.attr`), resolved as the python27 runtime's LoadObject did."""

import sys
import textwrap

import pytest

from conftest import call_wsgi, make_environ
from python_compat.errors import StartupError
from python_compat.app.wsgi_scripts import RetriedScript, import_wsgi_app, load_object

APP = 'def app(environ, start_response):\n    start_response("200 OK", [])\n    return ["ok"]\n'


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
    app_modules(compat_main=APP)

    assert import_wsgi_app('compat_main.app', '/app/app.yaml', 'handlers[0].script').__name__ == 'app'


def test_a_module_of_a_package(app_modules):
    app_modules(**{'compat_pkg.__init__': '', 'compat_pkg.web': APP})

    assert load_object('compat_pkg.web.app').__module__ == 'compat_pkg.web'


def test_the_longest_importable_prefix_is_the_module_and_the_rest_attributes(app_modules):
    app_modules(**{'compat_run.__init__': '', 'compat_run.application': '''
        class Holder(object):
            @staticmethod
            def app(environ, start_response):
                return []
        '''})

    assert load_object('compat_run.application.Holder.app').__name__ == 'app'


def test_an_attribute_of_a_packages_init_wins_over_a_submodule_of_the_same_name(app_modules):
    app_modules(**{'compat_both.__init__': 'app = "from __init__"\n', 'compat_both.app': 'x = 1\n'})

    assert load_object('compat_both.app') == 'from __init__'


def test_a_name_after_a_plain_module_is_an_attribute_never_a_module(app_modules):
    app_modules(compat_flat='x = 1\n')

    assert str(import_error('compat_flat.sub.app')) == (
        "/app/app.yaml: handlers[0].script: 'compat_flat.sub.app': module compat_flat has no attribute 'sub'")


def test_a_module_alone_is_not_a_wsgi_callable(app_modules):
    app_modules(compat_alone=APP)

    assert str(import_error('compat_alone')) == (
        "/app/app.yaml: handlers[0].script: 'compat_alone': compat_alone is a module, not a WSGI callable")


def test_missing_module_is_one_line_naming_it(app_modules):
    assert str(import_error('compat_absent.app')) == (
        "/app/app.yaml: handlers[0].script: 'compat_absent.app': no module named 'compat_absent' in the app root")


def test_missing_module_inside_a_package_names_the_full_module(app_modules):
    app_modules(**{'compat_pkg2.__init__': ''})

    assert str(import_error('compat_pkg2.absent.app')) == (
        "/app/app.yaml: handlers[0].script: 'compat_pkg2.absent.app': no module named 'compat_pkg2.absent' in the "
        "app root")


def test_missing_import_inside_the_module_is_reported_as_the_apps_error(app_modules):
    app_modules(compat_needs='import compat_dependency_absent\napp = None\n')

    error = import_error('compat_needs.app')

    assert error.line() == ("/app/app.yaml: handlers[0].script: 'compat_needs.app': importing it raised "
                            "ImportError: No module named compat_dependency_absent")
    assert 'compat_needs.py' in error.app_traceback


def test_app_exception_during_import_is_one_line_with_the_traceback_kept(app_modules):
    app_modules(compat_broken='x = 1\nraise ValueError("bad config")\n')

    error = import_error('compat_broken.app')

    assert str(error) == ("/app/app.yaml: handlers[0].script: 'compat_broken.app': importing it raised "
                          "ValueError: bad config")
    assert 'compat_broken.py", line 2' in error.app_traceback


def test_an_attribute_error_the_app_raises_while_imported_is_the_apps_error(app_modules):
    app_modules(compat_attr='import os\nos.no_such_function()\napp = None\n')

    error = import_error('compat_attr.app')

    assert 'importing it raised AttributeError' in error.line() and 'compat_attr.py' in error.app_traceback


def test_missing_attribute_is_one_line_naming_it(app_modules):
    app_modules(compat_noattr='application = None\n')

    assert str(import_error('compat_noattr.app')) == (
        "/app/app.yaml: handlers[0].script: 'compat_noattr.app': module compat_noattr has no attribute 'app'")


def test_non_callable_attribute_is_one_line(app_modules):
    app_modules(compat_notcallable='app = "not an app"\n')

    assert str(import_error('compat_notcallable.app')) == (
        "/app/app.yaml: handlers[0].script: 'compat_notcallable.app': compat_notcallable.app is a str, not a WSGI "
        "callable")


# RetriedScript

def test_a_retried_script_fails_each_request_until_it_imports_then_serves(app_modules):
    script = RetriedScript('compat_later.app', lambda app: app)

    for _ in range(2):
        with pytest.raises(ImportError):
            call_wsgi(script, make_environ())
    app_modules(compat_later=APP)

    assert call_wsgi(script, make_environ()).body == 'ok'


def test_a_retried_script_imports_again_after_the_app_raised(app_modules):
    app_modules(compat_flaky='import compat_flag\nif not compat_flag.ready:\n    raise ValueError("not yet")\n' + APP,
                compat_flag='ready = False\n')
    script = RetriedScript('compat_flaky.app', lambda app: app)

    with pytest.raises(ValueError):
        call_wsgi(script, make_environ())
    sys.modules['compat_flag'].ready = True

    assert call_wsgi(script, make_environ()).body == 'ok'


def test_a_retried_script_is_wrapped_once_loaded(app_modules):
    app_modules(compat_wrapped=APP)
    wrapped = []

    def wrap(app):
        wrapped.append(app)
        return app

    script = RetriedScript('compat_wrapped.app', wrap)
    call_wsgi(script, make_environ())
    call_wsgi(script, make_environ())

    assert len(wrapped) == 1
