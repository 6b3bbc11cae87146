"""The apiproxy stub that sends every App Engine API call to the API server."""

from python_compat.apiclient import rpc as rpc_module
from python_compat.apiclient import transport


class ServiceBridgeStub(object):
    """Default stub of an APIProxyStubMap: every service, every call goes to the server at host:port."""

    def __init__(self, host, port, signer=None):
        """signer: a wire.api_signature.Signer when the server authenticates its callers, else None."""
        self.pool = transport.ConnectionPool(host, port, signer=signer)

    def CreateRPC(self):  # pylint: disable=invalid-name
        """A new RPC; APIProxyStubMap and UserRPC make every call (sync or async) through one."""
        return rpc_module.ServiceBridgeRPC(stub=self)

    def MakeSyncCall(self, service, call, request, response):  # pylint: disable=invalid-name
        """Makes one call and waits for it; raises its error."""
        rpc = self.CreateRPC()
        rpc.MakeCall(service, call, request, response)
        rpc.Wait()
        rpc.CheckSuccess()

    def CancelApiCalls(self):  # pylint: disable=invalid-name
        """Nothing to cancel: every call is owned, and waited on, by the code that made it."""
