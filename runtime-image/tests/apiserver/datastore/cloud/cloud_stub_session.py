"""Runs datastore_v3 calls against a CloudDatastoreStub whose v1 transport is scripted, in a process of its own.

    python cloud_stub_session.py '{"failing": {"lookup": "ABORTED"}, "steps": ["begin", "get_in_transaction"]}'

prints one JSON object: `v1_calls` (the v1 methods the stub sent, in order) and `outcomes` (per step: "ok" or the
name of the App Engine error code the app got). A process of its own because the SDK's converters must get their v1
messages before the SDK is first imported (as in the API server). Used by test_cloud_datastore_stub.py.
"""

import json
import sys

import gevent

from python_compat.apiserver.datastore import cloud

cloud.install_sdk_v1_support()

from google.appengine.datastore import datastore_pb  # noqa: E402  (after the v1 messages are installed)
from google.appengine.runtime import apiproxy_errors  # noqa: E402
from google.rpc import code_pb2  # noqa: E402

from python_compat.apiserver.datastore.cloud import errors  # noqa: E402
from python_compat.apiserver.datastore.cloud import sdk_v1_messages as v1  # noqa: E402
from python_compat.apiserver.datastore.cloud import settings  # noqa: E402
from python_compat.apiserver.datastore.cloud import stub  # noqa: E402

APP_ID = 's~my-project'
REPLIES = {
    'beginTransaction': lambda: v1.BeginTransactionResponse(transaction=b'v1-transaction'),
    'lookup': v1.LookupResponse, 'commit': v1.CommitResponse, 'rollback': v1.RollbackResponse,
}


class ScriptedTransport(object):
    """Answers every v1 call with an empty reply, or with the V1Error `failing` names for its method."""

    def __init__(self, failing):
        self.failing = failing
        self.calls = []

    def call(self, method, request, response_class, deadline_seconds):
        self.calls.append(method)
        if method in self.failing:
            raise errors.V1Error(code_pb2.Code.Value(self.failing[method]), 'scripted failure')
        return REPLIES[method]()


class Session(object):
    def __init__(self, failing):
        self.transport = ScriptedTransport(failing)
        self.stub = stub.CloudDatastoreStub(APP_ID, settings.CloudDatastoreSettings('my-project'), self.transport)
        self.transaction = None

    def call(self, method, request, response):
        self.stub.MakeSyncCall('datastore_v3', method, request, response)
        return response

    def begin(self):
        request = datastore_pb.BeginTransactionRequest()
        request.set_app(APP_ID)
        self.transaction = self.call('BeginTransaction', request, datastore_pb.Transaction())

    def _get(self, root_names, in_transaction):
        request = datastore_pb.GetRequest()
        for name in root_names:
            key = request.add_key()
            key.set_app(APP_ID)
            element = key.mutable_path().add_element()
            element.set_type('Account')
            element.set_name(name)
        if in_transaction:
            request.mutable_transaction().CopyFrom(self.transaction)
        self.call('Get', request, datastore_pb.GetResponse())

    def get(self):
        self._get(['a'], in_transaction=False)

    def get_in_transaction(self):
        self._get(['a'], in_transaction=True)

    def get_two_groups_in_transaction(self):
        self._get(['a', 'b'], in_transaction=True)

    def commit(self):
        self.call('Commit', self.transaction, datastore_pb.CommitResponse())

    def rollback(self):
        self.call('Rollback', self.transaction, datastore_pb.CommitResponse())


def main(script):
    session = Session(script.get('failing', {}))
    outcomes = []
    for step in script['steps']:
        try:
            getattr(session, step)()
            outcomes.append('ok')
        except apiproxy_errors.ApplicationError as error:
            outcomes.append(datastore_pb.Error.ErrorCode_Name(error.application_error))
        gevent.sleep(0.01)  # lets a rollback the stub started in the background reach the transport
    gevent.wait(timeout=5)
    print(json.dumps({'v1_calls': session.transport.calls, 'outcomes': outcomes}))


if __name__ == '__main__':
    main(json.loads(sys.argv[1]))
