"""API calls over `POST /rpc_http` (the service-bridge protocol, rpc_protocol.py): each call wrapped in a remote_api
Request, its answer unwrapped from a remote_api Response, on transport.py's keep-alive connections. What the app
uses with an external API server (API_HOST)."""

from google.appengine.ext.remote_api import remote_api_pb

from python_compat.apiclient import transport
from python_compat.wire import framed_calls


class HttpChannel(object):
    def __init__(self, host, port, signer=None):
        """signer: a wire.api_signature.Signer when the server authenticates its callers, else None."""
        self.pool = transport.ConnectionPool(host, port, signer=signer)

    def start(self, service, method, request_bytes, ticket, deadline_seconds):
        """Sends a call; returns it pending, its answer read by outcome()."""
        request = remote_api_pb.Request()
        request.set_service_name(service)
        request.set_method(method)
        request.set_request(request_bytes)
        request.set_request_id(ticket)
        return _PendingHttpCall(transport.PendingCall(self.pool, request.Encode(), deadline_seconds))

    def close(self):
        self.pool.close()


class _PendingHttpCall(object):
    def __init__(self, pending):
        self._pending = pending

    def outcome(self):
        """(kind, code, payload) of the answer, as wire/framed_calls.py's; apiproxy_errors for transport
        failures."""
        response = remote_api_pb.Response(self._pending.result())
        if response.has_application_error():
            error = response.application_error()
            return framed_calls.APPLICATION_ERROR, error.code(), error.detail()
        if response.has_rpc_error():
            error = response.rpc_error()
            return framed_calls.RPC_ERROR, error.code(), error.detail()
        return framed_calls.OK, 0, response.response()
