"""Credentials for Cloud Datastore: Application Default Credentials (a key file, or the metadata server on Google
Cloud), their tokens fetched, sent and refreshed by the transport; none with an emulator."""

import BaseHTTPServer
import contextlib
import json
import os
import subprocess
import sys
import threading

import pytest
from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.cloud.datastore_v1.proto import datastore_pb2
from google.rpc import code_pb2

from python_compat.apiserver.datastore import cloud
from python_compat.apiserver.datastore.cloud import credentials
from python_compat.apiserver.datastore.cloud import errors
from python_compat.apiserver.datastore.cloud import settings
from python_compat.apiserver.datastore.cloud import transport
from python_compat.errors import StartupError

from api_fixtures import free_port
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


# -- credentials in use: tokens fetched, refreshed and sent (local token, metadata and v1 servers on 127.0.0.1) --

class _Recording(BaseHTTPServer.BaseHTTPRequestHandler):
    """Answers every request with `answer(method, path, body)` -> (status, content type, body); records them."""

    def _handle(self):
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else b''
        self.server.seen.append((self.command, self.path, dict(self.headers), body))
        status, content_type, reply = self.server.answer(self.command, self.path, body)
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Metadata-Flavor', 'Google')  # what google-auth's metadata ping looks for
        self.send_header('Content-Length', str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    do_GET = do_POST = _handle  # noqa: N815

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def recording_server(answer):
    """A local HTTP server on 127.0.0.1 answering with `answer`; yields it (`.seen`, `.server_port`)."""
    server = BaseHTTPServer.HTTPServer(('127.0.0.1', 0), _Recording)
    server.answer, server.seen = answer, []
    thread = threading.Thread(target=server.serve_forever)
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def token_endpoint(*replies):
    """An `answer` handing out the next (status, JSON body) of `replies` for each token request."""
    replies = list(replies)

    def answer(method, path, body):
        status, reply = replies.pop(0)
        return status, 'application/json', json.dumps(reply)
    return answer


def v1_lookup(method, path, body):
    return 200, 'application/x-protobuf', datastore_pb2.LookupResponse().SerializeToString()


def lookup_through(v1, found):
    transport.V1Transport(settings.CloudDatastoreSettings('my-project', '', '127.0.0.1:%d' % v1.server_port),
                          found).call('lookup', datastore_pb2.LookupRequest(), datastore_pb2.LookupResponse, 5)


def authorizations(v1):
    return [headers.get('authorization') for _, _, headers, _ in v1.seen]


@pytest.fixture
def key_file_with_token_uri(service_account_file):
    """service_account_file(token_uri) -> a key file whose tokens come from `token_uri`."""
    def make(token_uri):
        with open(service_account_file) as key:
            info = json.load(key)
        info['token_uri'] = token_uri
        with open(service_account_file, 'w') as key:
            json.dump(info, key)
        return service_account_file
    return make


def test_a_key_files_token_is_fetched_once_sent_with_each_call_and_refreshed_when_it_expires(
        key_file_with_token_uri, monkeypatch):
    # google-auth counts a token as expired 10 s early: one that lives 1 s is refreshed at the next call.
    answers = token_endpoint((200, {'access_token': 'first', 'expires_in': 1, 'token_type': 'Bearer'}),
                             (200, {'access_token': 'second', 'expires_in': 3600, 'token_type': 'Bearer'}))
    with recording_server(answers) as tokens, recording_server(v1_lookup) as v1:
        monkeypatch.setenv('GOOGLE_APPLICATION_CREDENTIALS',
                           key_file_with_token_uri('http://127.0.0.1:%d/token' % tokens.server_port))
        found = credentials.application_default()
        for _ in range(3):
            lookup_through(v1, found)

    assert authorizations(v1) == ['Bearer first', 'Bearer second', 'Bearer second']
    assert [(method, path) for method, path, _, _ in tokens.seen] == [('POST', '/token'), ('POST', '/token')]
    assert 'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer' in tokens.seen[0][3]


def test_a_refused_token_is_unauthenticated_and_an_unreachable_token_server_unavailable(
        key_file_with_token_uri, monkeypatch):
    with recording_server(token_endpoint((400, {'error': 'invalid_grant'}))) as tokens, \
            recording_server(v1_lookup) as v1:
        monkeypatch.setenv('GOOGLE_APPLICATION_CREDENTIALS',
                           key_file_with_token_uri('http://127.0.0.1:%d/token' % tokens.server_port))
        with pytest.raises(errors.V1Error) as refused:
            lookup_through(v1, credentials.application_default())
        monkeypatch.setenv('GOOGLE_APPLICATION_CREDENTIALS',
                           key_file_with_token_uri('http://127.0.0.1:%d/token' % free_port()))
        with pytest.raises(errors.V1Error) as unreachable:
            lookup_through(v1, credentials.application_default())

    assert refused.value.code == code_pb2.UNAUTHENTICATED and 'invalid_grant' in refused.value.message
    assert unreachable.value.code == code_pb2.UNAVAILABLE
    assert v1.seen == []


def metadata_server(method, path, body):
    """The parts of Google's metadata server google-auth reads on Cloud Run, GKE and Flexible."""
    if path.startswith('/computeMetadata/v1/instance/service-accounts/') and '/token' in path:
        return 200, 'application/json', json.dumps({'access_token': 'from-metadata', 'expires_in': 3600,
                                                    'token_type': 'Bearer'})
    if path.startswith('/computeMetadata/v1/instance/service-accounts/default/?recursive=true'):
        return 200, 'application/json', json.dumps({'email': 'app@my-project.iam.gserviceaccount.com',
                                                    'scopes': [credentials.DATASTORE_SCOPE], 'aliases': ['default']})
    if path.startswith('/computeMetadata/v1/project/project-id'):
        return 200, 'text/plain', 'my-project'
    return 200, 'text/plain', ''


def test_on_google_cloud_the_metadata_servers_token_is_sent(tmp_path):
    # A process of its own: google-auth reads where the metadata server is when it is first imported.
    script = '\n'.join([
        'import sys',
        'from python_compat.apiserver.datastore.cloud import credentials, settings, transport',
        'from google.cloud.datastore_v1.proto import datastore_pb2',
        'found = credentials.application_default()',
        "v1 = transport.V1Transport(settings.CloudDatastoreSettings('my-project', '', sys.argv[1]), found)",
        "v1.call('lookup', datastore_pb2.LookupRequest(), datastore_pb2.LookupResponse, 5)",
        'print(type(found).__module__)'])
    with recording_server(metadata_server) as metadata, recording_server(v1_lookup) as v1:
        host = '127.0.0.1:%d' % metadata.server_port
        environment = dict(os.environ, GCE_METADATA_HOST=host, GCE_METADATA_IP=host, CLOUDSDK_CONFIG=str(tmp_path))
        environment.pop('GOOGLE_APPLICATION_CREDENTIALS', None)
        output = subprocess.check_output([sys.executable, '-c', script, '127.0.0.1:%d' % v1.server_port],
                                         env=environment)

    assert output.strip() == 'google.auth.compute_engine.credentials'
    assert authorizations(v1) == ['Bearer from-metadata']
    assert any('/token' in path for _, path, _, _ in metadata.seen)
