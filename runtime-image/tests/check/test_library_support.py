"""library_support: the built-in libraries' own report, in check's words."""

import pytest

from python_compat.builtin_libraries.summary import Served
from python_compat.check import rows
from python_compat.check.library_support import library_support, served_libraries


def served(source, detail, name='lib', version='1.0'):
    return Served('libraries[0] (%s)' % name, name, version, source, detail)


def test_the_sdks_copy_is_the_one_app_engine_served(tmpdir):
    assert library_support(served('sdk', 'lib-1.0'), str(tmpdir), 'lib_module_not_imported') == (
        rows.AS_ON_APP_ENGINE, "the SDK's bundled lib-1.0, the copy App Engine served")


@pytest.mark.parametrize('source', ['sdk', 'wheelhouse'])
def test_a_module_the_runtime_imported_first_is_its_own_copy(tmpdir, source):
    status, detail = library_support(served(source, 'setuptools-36.6.0', 'setuptools', '36.6.0'), str(tmpdir),
                                     'pkg_resources')

    assert (status, detail) == (rows.WARNING, 'the runtime imported pkg_resources before the app: its own copy '
                                              'serves, not setuptools 36.6.0')


def test_pytz_is_imported_first_only_for_an_app_with_a_cron_yaml(tmpdir):
    pytz = served('sdk', 'pytz-2017.2', 'pytz', '2017.2')

    assert library_support(pytz, str(tmpdir), 'pytz')[0] == rows.AS_ON_APP_ENGINE
    tmpdir.join('cron.yaml').write('cron: []\n')
    assert library_support(pytz, str(tmpdir), 'pytz')[0] == rows.WARNING


def test_a_required_library_the_runtime_imported_first_is_a_detail(tmpdir):
    required = Served('libraries[0] (jinja2 2.6 requires setuptools)', 'setuptools', '0.6c11', 'sdk',
                      'setuptools-0.6c11')

    assert library_support(required, str(tmpdir), 'pkg_resources')[0] == rows.AS_ON_APP_ENGINE


def test_a_wheelhouse_library_is_installed_by_the_apps_image_build(tmpdir):
    status, detail = library_support(served('wheelhouse', 'lxml==2.3 deb:libxml2', 'lxml', '2.3'), str(tmpdir))

    assert (status, detail) == (rows.AS_ON_APP_ENGINE, "installed from the runtime's offline wheelhouse when the "
                                                       "app's image is built (lxml==2.3)")


@pytest.mark.parametrize('source', ['python', 'runtime'])
def test_pythons_and_the_runtimes_own_copies(tmpdir, source):
    assert library_support(served(source, 'the ssl module'), str(tmpdir)) == (rows.AS_ON_APP_ENGINE, 'the ssl module')


def test_a_library_python_compat_does_not_provide_stops_the_start_up(tmpdir):
    status, detail = library_support(served('none', 'no wheel exists'), str(tmpdir), 'no_such_module_x')

    assert (status, detail) == (rows.CANNOT_RUN, 'version 1.0 is not provided by python-compat (no wheel exists) and '
                                                 'the app does not install it')


def test_unless_the_app_installs_it_itself(tmpdir):
    tmpdir.join('requirements.txt').write('Lib==1.0  # our own build\n')

    assert library_support(served('none', 'no wheel exists'), str(tmpdir), 'no_such_module_x')[0] == (
        rows.AS_ON_APP_ENGINE)


def test_named_and_required_libraries_are_reported_not_the_defaults():
    class Library(object):
        def __init__(self, name, version):
            self.name, self.version = name, version

    keys = [row.key for row in served_libraries([Library('jinja2', '2.6')])]

    assert keys == ['libraries[0] (jinja2)', 'libraries[0] (jinja2 2.6 requires markupsafe)',
                    'libraries[0] (jinja2 2.6 requires setuptools)']
