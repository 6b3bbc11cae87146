"""The app's datastore_v3 calls when the container's API server keeps the datastore in SQLite: the Gets the app's
process can answer from the file itself (apiserver/datastore/sqlite_reads.py) are answered there, at once; every
other call, and every Get the file cannot answer, goes to the API server."""

from google.appengine.api import apiproxy_rpc

from python_compat.apiclient import rpc as rpc_module
from python_compat.apiclient.stub import ServiceBridgeStub


class DatastoreReadsHereStub(ServiceBridgeStub):
    """The stub of `datastore_v3`: a ServiceBridgeStub on `channel` that reads Gets from the SQLite file at
    `path` first."""

    def __init__(self, channel, path):
        super(DatastoreReadsHereStub, self).__init__(channel)
        self.path = path
        self._reader = None

    def reader(self):
        """The file's reader, made at the first Get: an app that only queries never imports the SDK's SQLite stub."""
        if self._reader is None:
            from python_compat.apiserver.datastore import sqlite_reads
            self._reader = sqlite_reads.SqliteGetReader(self.path)
        return self._reader

    def CreateRPC(self):  # pylint: disable=invalid-name
        return _ReadHereFirstRPC(stub=self)


class _ReadHereFirstRPC(rpc_module.ServiceBridgeRPC):
    """A Get the reader answers is done when it is made, as an in-process stub's call is; any other call is sent."""

    _answered_here = False

    def _MakeCallImpl(self):
        if self.call == 'Get' and self.stub.reader().answer_get(self.request, self.response):
            self._answered_here = True
            self._state = apiproxy_rpc.RPC.RUNNING
        else:
            rpc_module.ServiceBridgeRPC._MakeCallImpl(self)

    def _WaitImpl(self):
        if not self._answered_here:
            return rpc_module.ServiceBridgeRPC._WaitImpl(self)
        self._state = apiproxy_rpc.RPC.FINISHING
        self._Callback()
        return True
