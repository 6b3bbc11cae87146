"""The app's datastore_v3 calls when the container's own API server keeps the datastore in SQLite: made in the
app's own process, on the same file, with the same stub as the API server's, so a call costs what the SDK's stub
costs in the process and never crosses to another.

- A Get outside a transaction is read from the file without waiting for a turn (sqlite_reads.py).
- Every other call is made by this process's own SqliteDatastoreStub (sqlite_stub.py), which takes turns on the
  file with the API server's and the other workers' and catches up with their commits.
"""

import os
import threading

from google.appengine.api import apiproxy_rpc
from google.appengine.runtime import apiproxy_errors

from python_compat.apiclient import rpc as rpc_module
from python_compat.apiclient.stub import ServiceBridgeStub
from python_compat.apiserver.tasks import held_actions


class DatastoreHereStub(object):
    """The stub of `datastore_v3` for the SQLite file at `path`, of the application `app_id` (the API server's
    too), whose index.yaml is in `app_root`."""

    def __init__(self, path, app_id, app_root):
        self.path = path
        self.app_id = app_id
        self.app_root = app_root
        self._lock = threading.Lock()
        self._reader = None
        self._stub = None
        self._stub_pid = None
        # A stub a forked process inherited: kept, never used or closed (its SQLite connection is the parent's).
        self._inherited = []

    def CreateRPC(self):  # pylint: disable=invalid-name
        # As the SDK's in-process stubs do: the call is made when it is waited on.
        return apiproxy_rpc.RPC(stub=self)

    def MakeSyncCall(self, service, call, request, response, request_id=None):  # pylint: disable=invalid-name
        if call == 'Get' and self.reader().answer_get(request, response):
            return
        self.stub().MakeSyncCall(service, call, request, response, request_id)

    def reader(self):
        if self._reader is None:
            from python_compat.apiserver.datastore import sqlite_reads
            self._reader = sqlite_reads.SqliteGetReader(self.path)
        return self._reader

    def stub(self):
        """This process's stub on the file, made at its first call: a forked worker makes its own, as an SQLite
        connection must not cross a fork."""
        if self._stub_pid != os.getpid():
            with self._lock:
                if self._stub_pid != os.getpid():
                    from python_compat.apiserver import stub_factories
                    if self._stub is not None:
                        self._inherited.append(self._stub)
                    self._stub = stub_factories.sqlite_datastore(self.app_id, self.path, self.app_root)
                    self._stub_pid = os.getpid()
        return self._stub


class TransactionalTasksHereStub(ServiceBridgeStub):
    """The stub of `taskqueue` when the datastore is made in this process: a transactional task belongs to this
    process's transaction. The API server checks and names it as its stub does for any transactional add, and this
    process's datastore holds it until the transaction commits, which adds it through the API server
    (apiserver/tasks/held_actions.py). Every other call goes to the API server."""

    def __init__(self, channel, datastore):
        super(TransactionalTasksHereStub, self).__init__(channel)
        self.datastore = datastore

    def CreateRPC(self):  # pylint: disable=invalid-name
        return _TransactionalAddHereRPC(stub=self)

    def MakeSyncCall(self, service, call, request, response, request_id=None):  # pylint: disable=invalid-name
        if _is_transactional_add(call, request):
            self.add_transactional(request, response)
        else:
            ServiceBridgeStub.MakeSyncCall(self, service, call, request, response)

    def add_transactional(self, request, response):
        # Imported here: the app's start-up never needs them.
        from google.appengine.api import api_base_pb
        from google.appengine.api.taskqueue import taskqueue_service_pb
        ServiceBridgeStub.MakeSyncCall(self, 'taskqueue', held_actions.METHOD, request, response)
        results = response.taskresult_list()
        if any(result.result() != taskqueue_service_pb.TaskQueueServiceError.OK for result in results):
            return  # as the stub: the app's library raises each task's error
        for add_request, result in zip(request.add_request_list(), results):
            if result.has_chosen_task_name():
                add_request.set_task_name(result.chosen_task_name())
        try:
            self.datastore.stub().MakeSyncCall('datastore_v3', 'AddActions', request, api_base_pb.VoidProto())
        except apiproxy_errors.ApplicationError as error:
            # The stub's _TransactionalBulkAdd: the datastore's error, as the task queue's DATASTORE_ERROR + code.
            raise apiproxy_errors.ApplicationError(
                error.application_error + taskqueue_service_pb.TaskQueueServiceError.DATASTORE_ERROR,
                error.error_detail)


class _TransactionalAddHereRPC(rpc_module.ServiceBridgeRPC):
    """A transactional BulkAdd is made when it is waited on, as an in-process stub's call is (by apiproxy_rpc.RPC,
    through the stub's MakeSyncCall); any other call is sent at once."""

    _here = False

    def _MakeCallImpl(self):
        self._here = _is_transactional_add(self.call, self.request)
        if self._here:
            apiproxy_rpc.RPC._MakeCallImpl(self)
        else:
            rpc_module.ServiceBridgeRPC._MakeCallImpl(self)

    def _WaitImpl(self):
        if self._here:
            return apiproxy_rpc.RPC._WaitImpl(self)
        return rpc_module.ServiceBridgeRPC._WaitImpl(self)


def _is_transactional_add(call, request):
    return call == 'BulkAdd' and request.add_request_size() and request.add_request(0).has_transaction()
