"""Credentials for Cloud Datastore: Application Default Credentials, none with an emulator."""

import json
import os
import subprocess
import sys

import pytest
from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from python_compat.apiserver.datastore import cloud
from python_compat.apiserver.datastore.cloud import credentials
from python_compat.apiserver.datastore.cloud import settings
from python_compat.errors import StartupError


@pytest.fixture
def service_account_file(tmp_path):
    """A service-account key file of the kind GOOGLE_APPLICATION_CREDENTIALS names (a key made here)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048, backend=default_backend())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path = tmp_path / 'key.json'
    path.write_text(json.dumps({
        'type': 'service_account', 'project_id': 'my-project', 'private_key_id': 'k1', 'private_key': pem.decode(),
        'client_email': 'app@my-project.iam.gserviceaccount.com', 'client_id': '1',
        'token_uri': 'https://oauth2.googleapis.com/token'}).decode())
    return str(path)


def test_a_key_file_gives_credentials_scoped_for_datastore(service_account_file, monkeypatch):
    monkeypatch.setenv('GOOGLE_APPLICATION_CREDENTIALS', service_account_file)

    found = credentials.application_default()

    assert found.service_account_email == 'app@my-project.iam.gserviceaccount.com'
    assert credentials.DATASTORE_SCOPE in found.scopes


def test_a_missing_key_file_is_one_line_saying_what_to_set(tmp_path, monkeypatch):
    monkeypatch.setenv('GOOGLE_APPLICATION_CREDENTIALS', str(tmp_path / 'missing.json'))

    with pytest.raises(StartupError) as missing:
        cloud.create_stub('s~my-project', settings.CloudDatastoreSettings('my-project'))

    assert missing.value.line().startswith('environment: GOOGLE_APPLICATION_CREDENTIALS: no Application Default')
    assert '\n' not in missing.value.line()


def test_an_emulator_needs_no_credentials(tmp_path):
    # A process of its own: the SDK's converters must get their v1 messages before the SDK is imported,
    # as in the API server (this test process imported the SDK long ago).
    script = '\n'.join([
        'from python_compat.apiserver.datastore import cloud',
        'from python_compat.apiserver.datastore.cloud import settings',
        'cloud.install_sdk_v1_support()',
        "stub = cloud.create_stub('s~my-project', settings.CloudDatastoreSettings('my-project', "
        "emulator_host='127.0.0.1:8081'))",
        'print(stub._transport._credentials is None and stub._transport.endpoint)'])
    environment = dict(os.environ, GOOGLE_APPLICATION_CREDENTIALS=str(tmp_path / 'missing.json'))

    output = subprocess.check_output([sys.executable, '-c', script], env=environment)

    assert output.strip() == 'http://127.0.0.1:8081'
