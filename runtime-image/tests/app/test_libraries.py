"""libraries: app.yaml `libraries:` served from the SDK's exact copy, the pinned copy, or the app's own."""

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


def library(name, version):
    return appinfo.Library(name=name, version=version)


def sdk_lib(directory):
    return os.path.join(sdk.sdk_root(), 'lib', directory)


def test_latest_of_a_pinned_library_leaves_sys_path_alone(caplog):
    before = list(sys.path)

    libraries.apply_libraries([library('webapp2', 'latest')], 'app.yaml')

    assert sys.path == before
    assert caplog.records == []


def test_sdk_bundled_exact_version_goes_first_after_the_app_root(monkeypatch, caplog):
    monkeypatch.delitem(sys.modules, 'jinja2', raising=False)
    caplog.set_level(logging.INFO)

    libraries.apply_libraries([library('jinja2', '2.6')], 'app.yaml')

    assert sys.path[1] == sdk_lib('jinja2-2.6')
    assert "app.yaml: libraries[0] (jinja2): serving the SDK's bundled jinja2 2.6" in caplog.messages


def test_sdk_bundled_version_is_not_added_twice(monkeypatch):
    monkeypatch.delitem(sys.modules, 'webapp2', raising=False)

    libraries.apply_libraries([library('webapp2', '2.3')], 'app.yaml')
    libraries.apply_libraries([library('webapp2', '2.3')], 'app.yaml')

    assert sys.path.count(sdk_lib('webapp2-2.3')) == 1


def test_already_imported_library_keeps_the_pinned_copy(monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, 'yaml', yaml)

    libraries.apply_libraries([library('yaml', '3.10')], 'app.yaml')

    assert sdk_lib('yaml-3.10') not in sys.path
    assert caplog.messages == ['app.yaml: libraries[0] (yaml): version 3.10 requested; serving yaml 5.4.1, '
                               'the version in this runtime']


def test_unknown_version_of_a_pinned_library_warns_and_serves_the_pin(caplog):
    libraries.apply_libraries([library('webob', '0.5')], 'app.yaml')

    record, = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage() == ('app.yaml: libraries[0] (webob): version 0.5 requested; serving webob 1.8.11, '
                                   'the version in this runtime')


def test_pinned_version_itself_gives_no_warning(caplog):
    libraries.apply_libraries([library('requests', '2.27.1')], 'app.yaml')

    assert caplog.records == []


def test_sdk_only_library_is_appended_to_sys_path(monkeypatch):
    monkeypatch.delitem(sys.modules, 'protorpc', raising=False)

    libraries.apply_libraries([library('protorpc', 'latest')], 'app.yaml')

    assert sys.path[-1] == sdk_lib('protorpc-1.0')


def test_library_the_app_installed_itself_is_accepted(caplog):
    libraries.apply_libraries([library('sqlite3', '1.0')], 'app.yaml')

    assert caplog.records == []


def test_missing_library_is_one_line_naming_it_and_the_fix():
    with pytest.raises(StartupError) as error:
        libraries.apply_libraries([library('webapp2', 'latest'), library('lxml', '2.3')], 'app.yaml')

    assert str(error.value) == ("app.yaml: libraries[1] (lxml): version 2.3 is not in this runtime image; "
                                "add lxml to the app's requirements.txt")
