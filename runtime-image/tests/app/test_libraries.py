"""libraries: app.yaml `libraries:` served from the SDK's bundled copy or the copy the child build installed,
ahead of the runtime's own packages; default libraries last; one start-up line for what the image lacks."""

import logging
import os
import sys

import pytest
import yaml

from google.appengine.api import appinfo

from python_compat.app import libraries
from python_compat import sdk
from python_compat.errors import StartupError


@pytest.fixture(autouse=True)
def isolated_sys_path(monkeypatch):
    monkeypatch.setattr(sys, 'path', list(sys.path))
    google = sys.modules['google']
    monkeypatch.setattr(google, '__path__', list(google.__path__))


@pytest.fixture
def libraries_dir(tmpdir):
    """An empty stand-in for /opt/python-compat/libraries; .install(name-version) adds a directory."""
    def make(directory):
        return str(tmpdir.mkdir(directory))
    tmpdir.install = make
    return tmpdir


def library(name, version):
    return appinfo.Library(name=name, version=version)


def sdk_lib(directory):
    return os.path.join(sdk.sdk_root(), 'lib', directory)


def apply(libraries_list, libraries_dir):
    libraries.apply_libraries(libraries_list, 'app.yaml', libraries_dir=str(libraries_dir))


def test_sdk_bundled_exact_version_goes_first_after_the_app_root(monkeypatch, caplog, libraries_dir):
    monkeypatch.delitem(sys.modules, 'jinja2', raising=False)
    caplog.set_level(logging.INFO)

    apply([library('jinja2', '2.6')], libraries_dir)

    assert sdk_lib('jinja2-2.6') in sys.path[1:4]
    assert ("app.yaml: libraries[0] (jinja2): serving jinja2 2.6 from %s" % sdk_lib('jinja2-2.6')
            in caplog.messages)


def test_required_libraries_go_on_sys_path_too(monkeypatch, libraries_dir):
    for module in ('jinja2', 'markupsafe'):
        monkeypatch.delitem(sys.modules, module, raising=False)

    apply([library('jinja2', '2.6')], libraries_dir)

    assert sdk_lib('markupsafe-0.15') in sys.path[1:4]


def test_sdk_bundled_version_is_not_added_twice(monkeypatch, libraries_dir):
    monkeypatch.delitem(sys.modules, 'webapp2', raising=False)

    apply([library('webapp2', '2.3')], libraries_dir)
    apply([library('webapp2', '2.3')], libraries_dir)

    assert sys.path.count(sdk_lib('webapp2-2.3')) == 1


def test_already_imported_library_keeps_the_runtimes_copy_with_a_warning(monkeypatch, caplog, libraries_dir):
    monkeypatch.setitem(sys.modules, 'yaml', yaml)

    apply([library('yaml', '3.10')], libraries_dir)

    assert sdk_lib('yaml-3.10') not in sys.path
    assert caplog.messages == ['app.yaml: libraries[0] (yaml): version 3.10 requested; serving yaml 5.4.1, '
                               'the version in this runtime']


def test_a_required_library_the_runtime_imported_first_is_only_an_info_line(monkeypatch, caplog, libraries_dir):
    monkeypatch.delitem(sys.modules, 'jinja2', raising=False)
    monkeypatch.setitem(sys.modules, 'pkg_resources', sys.modules.get('pkg_resources') or __import__('pkg_resources'))
    caplog.set_level(logging.INFO)

    apply([library('jinja2', '2.6')], libraries_dir)

    record, = [r for r in caplog.records if 'requires setuptools' in r.getMessage()]
    assert record.levelno == logging.INFO
    assert 'version 0.6c11 requested; serving' in record.getMessage()


def test_installed_wheelhouse_library_goes_first_after_the_app_root(monkeypatch, libraries_dir):
    monkeypatch.delitem(sys.modules, 'django', raising=False)
    installed = libraries_dir.install('django-1.4')

    apply([library('django', '1.4')], libraries_dir)

    assert sys.path[1] == installed


def test_a_version_the_child_build_did_not_install_is_one_line_naming_what_the_image_has(libraries_dir):
    libraries_dir.install('django-1.11')

    with pytest.raises(StartupError) as error:
        apply([library('django', '1.4')], libraries_dir)

    assert str(error.value) == ('app.yaml: libraries[0] (django): version 1.4 is not installed in this image '
                                '(it has django 1.11); the image was built from another app.yaml: rebuild it '
                                'from this one')


def test_a_wheelhouse_library_never_installed_is_one_line(libraries_dir):
    with pytest.raises(StartupError) as error:
        apply([library('lxml', 'latest')], libraries_dir)

    assert str(error.value) == ('app.yaml: libraries[0] (lxml): version 3.7.3 is not installed in this image '
                                '(it has no lxml); the image was built from another app.yaml: rebuild it from '
                                'this one')


def test_a_library_not_provided_is_one_line_naming_why(libraries_dir):
    with pytest.raises(StartupError) as error:
        apply([library('webapp2', 'latest'), library('matplotlib', '1.2.0')], libraries_dir)

    assert str(error.value).startswith('app.yaml: libraries[1] (matplotlib): version 1.2.0 is not provided by '
                                       'python-compat: no cp27mu wheel exists')
    assert str(error.value).endswith("install it through the app's requirements.txt instead")


def test_a_library_not_provided_that_the_app_installed_itself_is_accepted(monkeypatch, libraries_dir, tmpdir):
    monkeypatch.delitem(sys.modules, 'neo_cgi', raising=False)
    tmpdir.join('neo_cgi.py').write('')
    sys.path.insert(0, str(tmpdir))

    apply([library('clearsilver', '0.10.5')], libraries_dir)

    assert sys.modules['neo_cgi'].__file__.startswith(str(tmpdir))


def test_protobufs_google_directory_joins_the_google_namespace_first(monkeypatch, libraries_dir):
    monkeypatch.delitem(sys.modules, 'google.protobuf', raising=False)
    installed = libraries_dir.install('protobuf-3.0.0')
    os.mkdir(os.path.join(installed, 'google'))

    apply([library('protobuf', '3.0.0')], libraries_dir)

    assert sys.modules['google'].__path__[0] == os.path.join(installed, 'google')


def test_pythons_own_ssl_and_the_runtimes_pillow_leave_sys_path_alone(libraries_dir):
    before = list(sys.path)

    apply([library('ssl', 'latest'), library('PIL', 'latest')], libraries_dir)

    assert sys.path[:len(before)] == before


def test_default_libraries_go_last_so_the_runtimes_own_copy_still_serves(monkeypatch, libraries_dir):
    monkeypatch.delitem(sys.modules, 'protorpc', raising=False)
    before = list(sys.path)

    apply([], libraries_dir)

    assert sys.path[:len(before)] == before
    assert sdk_lib('protorpc-1.0') in sys.path[len(before):]
    assert sdk_lib('webob-1.1.1') in sys.path[len(before):]


def test_a_version_app_engine_never_offered_is_one_line_naming_the_versions_it_did(libraries_dir):
    with pytest.raises(StartupError) as error:
        apply([library('django', '1.6')], libraries_dir)

    assert str(error.value) == ('app.yaml: libraries[0] (django): version 1.6 is not one App Engine offered '
                                '(1.2, 1.3, 1.4, 1.5, 1.9, 1.11)')
