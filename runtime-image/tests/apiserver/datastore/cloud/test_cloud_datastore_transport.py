"""v1 over HTTP: what reaches the server, and every failure as a V1Error (against small local servers)."""

import BaseHTTPServer
import contextlib
import json
import threading
import time

import pytest
from google.cloud.datastore_v1.proto import datastore_pb2
from google.rpc import code_pb2
from google.rpc import status_pb2

from python_compat.apiserver.datastore.cloud import errors
from python_compat.apiserver.datastore.cloud import settings
from python_compat.apiserver.datastore.cloud import transport

from api_fixtures import free_port
class _Recorder(BaseHTTPServer.BaseHTTPRequestHandler):
    replies = []  # (status, body, delay) per request, in order
    seen = []

    def do_POST(self):  # pylint: disable=invalid-name
        body = self.rfile.read(int(self.headers['Content-Length']))
        self.seen.append((self.path, dict(self.headers), body))
        status, reply, delay = self.replies.pop(0)
        time.sleep(delay)
        self.send_response(status)
        self.send_header('Content-Type', 'application/x-protobuf')
        self.send_header('Content-Length', str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def v1_server(*replies):
    """A local HTTP server answering each POST with the next (status, body, delay); yields its requests."""
    _Recorder.replies = list(replies)
    _Recorder.seen = []
    server = BaseHTTPServer.HTTPServer(('127.0.0.1', 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever)
    thread.daemon = True
    thread.start()
    try:
        yield server.server_port, _Recorder.seen
    finally:
        server.shutdown()
        server.server_close()


def v1_for(port, database_id=''):
    return transport.V1Transport(settings.CloudDatastoreSettings('my-project', database_id, '127.0.0.1:%d' % port))


def lookup_reply():
    return datastore_pb2.LookupResponse().SerializeToString()


def status(code, message):
    return status_pb2.Status(code=code, message=message).SerializeToString()


def test_a_call_posts_protobuf_to_the_project_method_with_a_routing_header():
    with v1_server((200, lookup_reply(), 0)) as (port, seen):
        v1_for(port).call('lookup', datastore_pb2.LookupRequest(), datastore_pb2.LookupResponse, 5)

    path, headers, body = seen[0]
    assert path == '/v1/projects/my-project:lookup'
    assert headers['content-type'] == 'application/x-protobuf'
    assert headers['x-goog-request-params'] == 'project_id=my-project'
    assert datastore_pb2.LookupRequest.FromString(body) == datastore_pb2.LookupRequest()
    assert 'authorization' not in headers


def test_a_named_database_call_goes_as_json_naming_the_database():
    with v1_server((200, b'{}', 0)) as (port, seen):
        v1_for(port, 'named-db').call('lookup', datastore_pb2.LookupRequest(), datastore_pb2.LookupResponse, 5)

    _, headers, body = seen[0]
    assert headers['content-type'] == 'application/json'
    assert headers['x-goog-request-params'] == 'project_id=my-project&database_id=named-db'
    assert json.loads(body) == {'databaseId': 'named-db'}


def test_the_servers_status_is_the_error():
    with v1_server((409, status(code_pb2.ABORTED, 'contention'), 0)) as (port, _):
        with pytest.raises(errors.V1Error) as failed:
            v1_for(port).call('commit', datastore_pb2.CommitRequest(), datastore_pb2.CommitResponse, 5)

    assert (failed.value.code, failed.value.message) == (code_pb2.ABORTED, 'contention')


def test_an_idempotent_call_is_retried_while_the_service_is_unavailable():
    with v1_server((503, status(code_pb2.UNAVAILABLE, 'busy'), 0), (200, lookup_reply(), 0)) as (port, seen):
        v1_for(port).call('lookup', datastore_pb2.LookupRequest(), datastore_pb2.LookupResponse, 5)

    assert len(seen) == 2


def test_a_commit_is_not_retried():
    with v1_server((503, status(code_pb2.UNAVAILABLE, 'busy'), 0)) as (port, seen):
        with pytest.raises(errors.V1Error):
            v1_for(port).call('commit', datastore_pb2.CommitRequest(), datastore_pb2.CommitResponse, 5)

    assert len(seen) == 1


def test_a_slow_reply_ends_at_the_deadline():
    with v1_server((200, lookup_reply(), 2.0)) as (port, _):
        started = time.time()
        with pytest.raises(errors.V1Error) as failed:
            v1_for(port).call('lookup', datastore_pb2.LookupRequest(), datastore_pb2.LookupResponse, 0.5)
        waited = time.time() - started

    assert failed.value.code == code_pb2.DEADLINE_EXCEEDED
    assert waited < 1.5


def test_an_unreachable_service_is_unavailable():
    with pytest.raises(errors.V1Error) as failed:
        v1_for(free_port()).call('commit', datastore_pb2.CommitRequest(), datastore_pb2.CommitResponse, 5)

    assert failed.value.code == code_pb2.UNAVAILABLE and 'cannot reach Cloud Datastore' in failed.value.message
