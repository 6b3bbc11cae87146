"""builtin_libraries.install: the child build installs exactly the wheelhouse libraries app.yaml enables, each
into <libraries dir>/<name>-<version>, and names in one line each library it cannot provide."""

import os
import shutil
import subprocess
import sys

import pytest

from python_compat import builtin_libraries
from python_compat.app import appyaml
from python_compat.builtin_libraries import catalog
from python_compat.builtin_libraries import install


def write_app(root, libraries_yaml):
    root.join('app.yaml').write('runtime: python27\napi_version: 1\nthreadsafe: true\n'
                                'handlers:\n- url: /.*\n  script: main.app\nlibraries:\n' + libraries_yaml)
    return appyaml.load_app_yaml(str(root.join('app.yaml')))


def run_install(config, libraries_dir, app_root, wheelhouse=builtin_libraries.WHEELHOUSE_DIR):
    reports = []
    errors = install.install_libraries(config, catalog.load(), wheelhouse, str(libraries_dir), str(app_root),
                                       report=reports.append)
    return reports, errors


def test_a_wheelhouse_library_and_its_requirement_are_installed_each_in_its_own_directory(tmpdir):
    app = tmpdir.mkdir('app')
    config = write_app(app, '- name: grpcio\n  version: "1.0.0"\n')
    libraries_dir = tmpdir.join('libraries')

    reports, errors = run_install(config, libraries_dir, app)

    assert errors == []
    assert sorted(os.listdir(str(libraries_dir))) == ['enum-0.9.23', 'futures-3.0.5', 'grpcio-1.0.0',
                                                     'protobuf-3.0.0', 'setuptools-36.6.0']
    assert libraries_dir.join('futures-3.0.5', 'concurrent', 'futures', '__init__.py').check()
    assert reports[0] == ('python-compat: libraries[0] (grpcio): grpcio 1.0.0 installed into %s'
                          % libraries_dir.join('grpcio-1.0.0'))


def test_sdk_python_and_runtime_libraries_install_nothing(tmpdir):
    app = tmpdir.mkdir('app')
    config = write_app(app, '- name: webapp2\n  version: "2.3"\n- name: ssl\n  version: latest\n'
                            '- name: PIL\n  version: latest\n')
    libraries_dir = tmpdir.join('libraries')

    assert run_install(config, libraries_dir, app) == ([], [])
    assert not libraries_dir.check()


def test_an_installed_library_imports_from_its_directory(tmpdir):
    app = tmpdir.mkdir('app')
    config = write_app(app, '- name: ujson\n  version: "1.35"\n')
    libraries_dir = tmpdir.join('libraries')
    run_install(config, libraries_dir, app)

    output = subprocess.check_output([sys.executable, '-c', 'import sys; sys.path.insert(1, %r); import ujson; '
                                      'print(ujson.__file__); print(ujson.dumps([1]))'
                                      % str(libraries_dir.join('ujson-1.35'))])

    assert output.splitlines() == [str(libraries_dir.join('ujson-1.35', 'ujson.so')), '[1]']


def test_a_library_not_provided_is_one_error_naming_key_version_and_why(tmpdir):
    app = tmpdir.mkdir('app')
    config = write_app(app, '- name: webapp2\n  version: latest\n- name: pycrypto\n  version: "2.3"\n')

    reports, errors = run_install(config, tmpdir.join('libraries'), app)

    assert [error.line() for error in errors] == [
        '%s: libraries[1] (pycrypto): version 2.3 is not provided by python-compat: no cp27mu wheel exists and its '
        'setup.py cannot be fetched by the build host\'s pip (it runs only on Python 2); pycrypto 2.6 (latest) and '
        '2.6.1 are provided; install it through the app\'s requirements.txt instead' % app.join('app.yaml')]


def test_nothing_is_installed_when_a_library_is_not_provided(tmpdir):
    app = tmpdir.mkdir('app')
    config = write_app(app, '- name: ujson\n  version: latest\n- name: matplotlib\n  version: latest\n')
    libraries_dir = tmpdir.join('libraries')

    reports, errors = run_install(config, libraries_dir, app)

    assert [error.key for error in errors] == ['libraries[1] (matplotlib)']
    assert reports == []
    assert not libraries_dir.check()


def test_a_library_not_provided_that_the_app_ships_itself_is_accepted(tmpdir):
    app = tmpdir.mkdir('app')
    app.join('neo_cgi.py').write('')
    config = write_app(app, '- name: clearsilver\n  version: "0.10.5"\n')

    reports, errors = run_install(config, tmpdir.join('libraries'), app)

    assert errors == []
    assert reports == ["python-compat: libraries[0] (clearsilver): clearsilver 0.10.5 is the app's own copy"]


def test_mysqldb_is_served_by_mysqlclient_installed_under_the_name_and_version_app_yaml_gives(tmpdir):
    app = tmpdir.mkdir('app')
    config = write_app(app, '- name: MySQLdb\n  version: "1.2.5"\n')
    libraries_dir = tmpdir.join('libraries')

    reports, errors = run_install(config, libraries_dir, app)

    assert errors == []
    assert os.listdir(str(libraries_dir)) == ['MySQLdb-1.2.5']
    assert libraries_dir.join('MySQLdb-1.2.5', 'MySQLdb', '__init__.py').check()


def test_a_wheel_that_does_not_match_its_hash_is_refused(tmpdir):
    wheelhouse = tmpdir.mkdir('wheelhouse')
    original = builtin_libraries.WHEELHOUSE_DIR
    shutil.copy(os.path.join(original, 'SHA256SUMS'), str(wheelhouse))
    wheel = [name for name in os.listdir(original) if name.startswith('ujson-')][0]
    data = open(os.path.join(original, wheel), 'rb').read()
    wheelhouse.join(wheel).write_binary(data + b'tampered')
    app = tmpdir.mkdir('app')
    config = write_app(app, '- name: ujson\n  version: "1.35"\n')

    with pytest.raises(install.InstallError) as error:
        run_install(config, tmpdir.join('libraries'), app, wheelhouse=str(wheelhouse))

    assert 'pip could not install ujson==1.35' in str(error.value)
    assert 'HASHES' in str(error.value)


def test_a_distribution_missing_from_the_wheelhouse_is_an_install_error():
    with pytest.raises(install.InstallError) as error:
        install.hashed_requirement('Django==9.9', {'Django-1.4.13-py2-none-any.whl': 'ab'})

    assert str(error.value) == 'the library wheelhouse has no wheel of Django==9.9'


def test_no_app_yaml_installs_nothing_and_succeeds(tmpdir, capsys):
    assert install.main([str(tmpdir)]) == 0

    assert 'no app.yaml' in capsys.readouterr().out


def test_an_app_yaml_that_does_not_parse_is_left_to_start_up(tmpdir, capsys):
    tmpdir.join('app.yaml').write('runtime: python27\nhandlers: [\n')

    assert install.main([str(tmpdir)]) == 0

    assert 'reported again at start-up' in capsys.readouterr().out


def test_an_unknown_version_in_app_yaml_is_refused_by_the_sdks_validation_and_left_to_start_up(tmpdir, capsys):
    tmpdir.join('app.yaml').write('runtime: python27\napi_version: 1\nthreadsafe: true\nhandlers:\n- url: /.*\n'
                                  '  script: main.app\nlibraries:\n- name: django\n  version: "1.6"\n')

    assert install.main([str(tmpdir)]) == 0

    output = capsys.readouterr().out
    assert 'django version "1.6" is not supported' in output
    assert 'no built-in libraries installed' in output
    assert not os.path.exists(builtin_libraries.LIBRARIES_DIR)


def test_the_debian_packages_a_library_links_come_from_the_wheelhouse_checked_against_their_sha256():
    entry = catalog.load().lookup('lxml', '2.3')
    wheelhouse = builtin_libraries.WHEELHOUSE_DIR

    paths = install.deb_files(entry, wheelhouse, install.wheel_hashes(wheelhouse))

    assert [os.path.basename(path).split('_')[0] for path in paths] == ['libicu67', 'libxml2', 'libxslt1.1']


def test_a_deb_that_does_not_match_its_hash_is_refused(tmpdir):
    entry = catalog.load().lookup('lxml', '2.3.5')
    hashes = install.wheel_hashes(builtin_libraries.WHEELHOUSE_DIR)
    for name in hashes:
        if name.endswith('.deb'):
            tmpdir.join(name).write_binary(b'not the package')

    with pytest.raises(install.InstallError) as error:
        install.deb_files(entry, str(tmpdir), hashes)

    assert str(error.value).endswith('does not match its sha256 in SHA256SUMS')


def test_a_package_dpkg_knows_but_has_not_installed_counts_as_missing():
    # The base image's dpkg knows libxml2 only as 'unknown ok not-installed'.
    assert install._installed_package('libc6')
    assert not install._installed_package('libxml2')


def test_debian_packages_the_image_already_has_are_not_installed_again():
    installed_libc = [os.path.join('/nowhere', 'libc6_2.31-13_amd64.deb')]

    install.install_debs(installed_libc)  # dpkg would fail on a missing file: it is never called
