"""The apiproxy stub that sends every App Engine API call to the API server."""

from python_compat.apiclient import rpc as rpc_module


class ServiceBridgeStub(object):
    """Default stub of an APIProxyStubMap: every service, every call goes to the API server through `channel`
    (http_channel.HttpChannel, or framed_transport.FramedChannel for the container's own API server)."""

    def __init__(self, channel):
        self.channel = channel

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
