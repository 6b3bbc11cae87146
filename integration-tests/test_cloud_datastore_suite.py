"""The Cloud Datastore backend against Google's emulators: the py27 suite (runtime-image/tests/apiserver/datastore/
cloud/test_cloud_datastore.py, mounted from the checkout) runs in the unit-test image, its API server talking to an
emulator started here.

Network: the emulators are host programs on 127.0.0.1. The test container shares the host's network
namespace (`network_mode='host'`), so it reaches them on loopback; everything it listens on (its API
server) binds 127.0.0.1 on a free port. No traffic leaves loopback.
"""

import os
import pathlib

import pytest

from cloud_datastore_emulator import DATASTORE, FIRESTORE, Emulator

# The checkout's py27 tests, mounted read-only into the unit-test image (which has the runtime and pytest).
TESTS = pathlib.Path(__file__).resolve().parent.parent / 'runtime-image' / 'tests'
TESTS_IN_CONTAINER = '/opt/python-compat-tests'
PACKAGE = TESTS.parent / 'python_compat'
PACKAGE_IN_CONTAINER = '/env/lib/python2.7/site-packages/python_compat'
SUITE = 'apiserver/datastore/cloud/test_cloud_datastore.py'
SUITE_TIMEOUT_SECONDS = 300


@pytest.fixture(scope='session')
def runtime_test_image():
    """The unit-test image `make unit-test-image` produced (scripts/run-integration-tests.sh exports its name); it
    holds the runtime's packages and pytest, and the checkout's package and tests are mounted into it."""
    return os.environ.get('RUNTIME_TEST_IMAGE', 'python-compat/runtime-test:latest')


def run_suite(docker_client, image, emulator, database_id):
    """Runs the py27 suite against `emulator` (and `database_id`); returns (exit status, output)."""
    container = docker_client.containers.run(
        image, entrypoint=['python', '-m', 'pytest', '-p', 'no:cacheprovider', '-q'],
        command=[SUITE, '-rs', '-p', 'no:warnings'], detach=True, network_mode='host',
        volumes={str(TESTS): {'bind': TESTS_IN_CONTAINER, 'mode': 'ro'},
                 str(PACKAGE): {'bind': PACKAGE_IN_CONTAINER, 'mode': 'ro'}}, working_dir=TESTS_IN_CONTAINER,
        environment={'DATASTORE_EMULATOR_HOST': emulator.host, 'CLOUD_DATASTORE_EMULATOR': emulator.kind,
                     'CLOUD_DATASTORE_DATABASE_ID': database_id})
    try:
        status = container.wait(timeout=SUITE_TIMEOUT_SECONDS)['StatusCode']
        return status, container.logs().decode(errors='replace')
    finally:
        container.remove(force=True)


@pytest.mark.parametrize('kind, flags, database_id', [
    # Production-like: scattered ids, optimistic transactions like App Engine's.
    (DATASTORE, ['--auto_id_policy=SCATTERED'], ''),
    (FIRESTORE, [], ''),
    # A named database (DATASTORE_DATABASE_ID): named in every request and key partition.
    (DATASTORE, ['--auto_id_policy=SCATTERED'], 'named-db'),
], ids=['datastore-emulator', 'firestore-emulator-datastore-mode', 'datastore-emulator-named-database'])
def test_py27_suite_passes_against_the_emulator(docker_client, runtime_test_image, kind, flags, database_id):
    emulator = Emulator(kind, flags).start()
    try:
        status, output = run_suite(docker_client, runtime_test_image, emulator, database_id)
    finally:
        emulator.stop()
    print(output)
    assert status == 0, output[-6000:]
    # The suite really ran: skipped tests are only the other emulator's documented differences.
    assert ' passed' in output and 'needs a Cloud Datastore emulator' not in output
