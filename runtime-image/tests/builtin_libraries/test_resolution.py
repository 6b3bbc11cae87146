"""builtin_libraries.resolution: the libraries App Engine enabled for an app.yaml, by the SDK's appinfo rules."""

from google.appengine.api import appinfo

from python_compat.builtin_libraries import resolution
from python_compat.builtin_libraries.resolution import Requested


def library(name, version):
    return appinfo.Library(name=name, version=version)


def parsed_libraries(yaml_libraries):
    info = appinfo.LoadSingleAppInfo('runtime: python27\napi_version: 1\nthreadsafe: true\n'
                                     'handlers:\n- url: /.*\n  script: main.app\nlibraries:\n' + yaml_libraries)
    return info.libraries


def test_latest_is_the_latest_version_appinfo_names():
    requested = resolution.requested_libraries([library('django', 'latest'), library('lxml', 'latest')])

    assert requested == [Requested('django', '1.4', 'libraries[0] (django)', True),
                         Requested('lxml', '3.7.3', 'libraries[1] (lxml)', True)]


def test_latest_in_a_parsed_app_yaml_resolves_the_same_way():
    requested = resolution.requested_libraries(parsed_libraries('- name: pycrypto\n  version: latest\n'))

    assert requested == [Requested('pycrypto', '2.6', 'libraries[0] (pycrypto)', True)]


def test_a_named_library_brings_its_required_libraries_after_the_named_ones():
    requested = resolution.requested_libraries([library('jinja2', '2.6'), library('numpy', '1.6.1')])

    assert requested == [
        Requested('jinja2', '2.6', 'libraries[0] (jinja2)', True),
        Requested('numpy', '1.6.1', 'libraries[1] (numpy)', True),
        Requested('markupsafe', '0.15', 'libraries[0] (jinja2 2.6 requires markupsafe)', False),
        Requested('setuptools', '0.6c11', 'libraries[0] (jinja2 2.6 requires setuptools)', False),
    ]


def test_a_version_the_app_names_wins_over_the_one_a_library_requires():
    requested = resolution.requested_libraries([library('jinja2', '2.6'), library('markupsafe', '0.23')])

    assert [(r.name, r.version) for r in requested] == [('jinja2', '2.6'), ('markupsafe', '0.23'),
                                                        ('setuptools', '0.6c11')]


def test_matplotlib_brings_numpy():
    requested = resolution.requested_libraries([library('matplotlib', 'latest')])

    assert Requested('numpy', '1.6.1', 'libraries[0] (matplotlib latest requires numpy)', False) in requested


def test_required_libraries_are_one_level_deep_as_in_the_sdk():
    # flask 0.12 requires jinja2 2.6; GetAllLibraries does not go on to jinja2's own requirements.
    names = [r.name for r in resolution.requested_libraries([library('flask', '0.12')])]

    assert names == ['flask', 'click', 'itsdangerous', 'jinja2', 'werkzeug']


def resolved(libraries):
    """(name, version) pairs with `latest` as appinfo resolves it (GetAllLibraries leaves a required `latest`)."""
    return [(l.name, appinfo._NAME_TO_SUPPORTED_LIBRARY[l.name].latest_version if l.version == 'latest'
             else l.version) for l in libraries]


def test_same_libraries_as_the_sdks_get_all_libraries():
    info = appinfo.LoadSingleAppInfo('runtime: python27\napi_version: 1\nthreadsafe: true\n'
                                     'handlers:\n- url: /.*\n  script: main.app\nlibraries:\n'
                                     '- name: grpcio\n  version: latest\n- name: django\n  version: "1.11"\n')

    ours = [(r.name, r.version) for r in resolution.requested_libraries(info.libraries)]

    assert ours == resolved(info.GetAllLibraries())


def test_defaults_are_the_default_versions_of_libraries_not_enabled_otherwise():
    requested = resolution.requested_libraries([library('webapp2', '2.5.2')])

    defaults = resolution.default_libraries(requested)

    assert [(d.name, d.version) for d in defaults] == [
        ('protorpc', '1.0'), ('pytz', '2017.3'), ('six', '1.12.0'), ('webob', '1.1.1'), ('werkzeug', '0.11.10'),
        ('yaml', '3.10')]


def test_defaults_match_the_sdks_normalized_libraries():
    info = appinfo.LoadSingleAppInfo('runtime: python27\napi_version: 1\nthreadsafe: true\n'
                                     'handlers:\n- url: /.*\n  script: main.app\nlibraries:\n'
                                     '- name: six\n  version: "1.9.0"\n')
    requested = resolution.requested_libraries(info.libraries)

    ours = requested + resolution.default_libraries(requested)

    assert sorted((r.name, r.version) for r in ours) == sorted(resolved(info.GetNormalizedLibraries()))
