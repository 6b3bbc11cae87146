"""App Engine's built-in libraries without requirements.txt: a child image built offline with the plain child
Dockerfile installs exactly the libraries its app.yaml names, and the app imports and uses them; a library
python-compat does not provide fails the child build with one line."""

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

    output = ''.join(chunk.get('stream', '') for chunk in error.value.build_log)
    lines = [line for line in output.splitlines() if line.startswith('python-compat:')]
    assert lines == ["python-compat: /app/app.yaml: libraries[1] (MySQLdb): version 1.2.5 is not provided by "
                     "python-compat: no cp27mu wheel exists and building MySQL-python needs MariaDB's client "
                     "library, which the library builder does not do yet; install it through the app's "
                     "requirements.txt instead"]
