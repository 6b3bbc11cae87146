"""Fixtures for the Cloud Datastore backend tests: an API server serving the datastore from an emulator.

The emulator is a Java program on the host; integration-tests/test_cloud_datastore_suite.py starts it on
127.0.0.1 and runs these tests in the test image in the host's network namespace, with
DATASTORE_EMULATOR_HOST naming it and CLOUD_DATASTORE_EMULATOR saying which one it is (`datastore`, or
`firestore` for the Firestore emulator in Datastore mode), and CLOUD_DATASTORE_DATABASE_ID a named database
to use instead of the default one. Without DATASTORE_EMULATOR_HOST (the plain unit
test run, which has no network) these tests are skipped.

The root conftest registers these fixtures for every test module (pytest_plugins).
"""

import os
import uuid

import pytest
import requests

from google.appengine.api import apiproxy_stub_map

from python_compat import apiclient

import api_fixtures

EMULATOR_HOST = os.environ.get('DATASTORE_EMULATOR_HOST')
# `datastore` (the Datastore emulator, optimistic like App Engine) or `firestore` (Firestore in Datastore mode).
EMULATOR = os.environ.get('CLOUD_DATASTORE_EMULATOR', 'datastore')
# A named database to serve instead of the default one.
DATABASE_ID = os.environ.get('CLOUD_DATASTORE_DATABASE_ID', '')
needs_emulator = pytest.mark.skipif(not EMULATOR_HOST, reason='needs a Cloud Datastore emulator '
                                    '(run by integration-tests/test_cloud_datastore_suite.py)')


class Project(object):
    """The emulator project a test module owns: its id, the app id keys carry, and a raw v1 client."""

    def __init__(self):
        # A project of its own per module: the emulator is shared by the whole run.
        self.project_id = 'pc-test-%s' % uuid.uuid4().hex[:10]
        self.app_id = 's~' + self.project_id

    def v1(self, method, request, response_class):
        """Calls the emulator's v1 API directly (what another client of the same database sees)."""
        if DATABASE_ID:
            from python_compat.apiserver.datastore.cloud import settings, transport
            return transport.V1Transport(settings.CloudDatastoreSettings(
                self.project_id, DATABASE_ID, EMULATOR_HOST)).call(method, request, response_class, 30)
        reply = requests.post('http://%s/v1/projects/%s:%s' % (EMULATOR_HOST, self.project_id, method),
                              data=request.SerializeToString(),
                              headers={'Content-Type': 'application/x-protobuf'}, timeout=30)
        assert reply.status_code == 200, reply.content
        return response_class.FromString(reply.content)


@pytest.fixture(scope='module')
def cloud_project():
    return Project()


@pytest.fixture(scope='module')
def cloud_api_server(tmp_path_factory, cloud_project):
    """One API server per test module whose datastore is the emulator's project `cloud_project`."""
    if not EMULATOR_HOST:
        pytest.skip('needs a Cloud Datastore emulator (DATASTORE_EMULATOR_HOST)')
    directory = tmp_path_factory.mktemp('cloud-apiserver')
    server = api_fixtures.ApiServerProcess(
        directory / 'storage', directory / 'apiserver.log', app_id=cloud_project.app_id,
        environment={'DATASTORE_BACKEND': 'cloud-datastore', 'DATASTORE_PROJECT_ID': cloud_project.project_id,
                     'DATASTORE_EMULATOR_HOST': EMULATOR_HOST, 'LOG_FORMAT': 'text',
                     'DATASTORE_DATABASE_ID': DATABASE_ID, 'DATASTORE_ADDITIONAL_APP_IDS': 'e~elsewhere-app'})
    server.start()
    yield server
    server.stop()


@pytest.fixture
def cloud_api(cloud_api_server, cloud_project, monkeypatch):
    """The API client installed against cloud_api_server, in the app's environment; yields the project."""
    monkeypatch.setenv('APPLICATION_ID', cloud_project.app_id)
    monkeypatch.setenv('AUTH_DOMAIN', 'gmail.com')
    monkeypatch.setenv('SERVER_SOFTWARE', 'Development/python-compat')
    monkeypatch.setenv('CURRENT_VERSION_ID', 'v1.1')
    monkeypatch.setenv('DEFAULT_VERSION_HOSTNAME', 'localhost:8080')
    previous = apiproxy_stub_map.apiproxy
    stub = apiclient.install('127.0.0.1', cloud_api_server.port)
    api_fixtures._reset_ndb_context()  # pylint: disable=protected-access
    yield cloud_project
    stub.channel.close()
    apiproxy_stub_map.apiproxy = previous
    api_fixtures._reset_ndb_context()  # pylint: disable=protected-access
