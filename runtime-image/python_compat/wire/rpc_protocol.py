"""The App Engine API RPC protocol ("service bridge"), shared by the API client and the API server.

A call is `POST /rpc_http` whose body is a remote_api `Request` and whose reply is a remote_api `Response`.
Clients ignore `Response.exception` (a pickle only Python could read), so failures travel as
`application_error` (the service's own error code, e.g. a datastore BAD_REQUEST) or `rpc_error` (the call
itself failed: unknown method, unparsable request, deadline...). These are the headers and codes that
Google's service bridge, the python27 Managed VM stub and `appengine-python-standard` all use.
"""

from google.appengine.ext.remote_api import remote_api_pb
from google.appengine.runtime import apiproxy_errors

PATH = '/rpc_http'
CONTENT_TYPE = 'application/octet-stream'
ENDPOINT_HEADER = 'X-Google-RPC-Service-Endpoint'
METHOD_HEADER = 'X-Google-RPC-Service-Method'
DEADLINE_HEADER = 'X-Google-RPC-Service-Deadline'
ENDPOINT = 'app-engine-apis'
METHOD = '/VMRemoteAPI.CallRemoteAPI'

_RpcError = remote_api_pb.RpcError

# One exception class per RpcError code; the client raises them, the server classifies by them.
EXCEPTION_FOR_RPC_ERROR = {
    _RpcError.UNKNOWN: apiproxy_errors.RPCFailedError,
    _RpcError.CALL_NOT_FOUND: apiproxy_errors.CallNotFoundError,
    _RpcError.PARSE_ERROR: apiproxy_errors.ArgumentError,
    _RpcError.OVER_QUOTA: apiproxy_errors.OverQuotaError,
    _RpcError.REQUEST_TOO_LARGE: apiproxy_errors.RequestTooLargeError,
    _RpcError.CAPABILITY_DISABLED: apiproxy_errors.CapabilityDisabledError,
    _RpcError.FEATURE_DISABLED: apiproxy_errors.FeatureNotEnabledError,
    _RpcError.RESPONSE_TOO_LARGE: apiproxy_errors.ResponseTooLargeError,
    _RpcError.CANCELLED: apiproxy_errors.CancelledError,
    _RpcError.DEADLINE_EXCEEDED: apiproxy_errors.DeadlineExceededError,
}


def rpc_error_code_for(exception):
    """The RpcError code that reports `exception` (an apiproxy_errors.Error or anything else) to a client."""
    for code, exception_class in EXCEPTION_FOR_RPC_ERROR.items():
        if code != _RpcError.UNKNOWN and isinstance(exception, exception_class):
            return code
    return _RpcError.UNKNOWN


def exception_for_response(response, service, method):
    """The exception a failed remote_api Response stands for, or None when the call succeeded."""
    if response.has_application_error():
        error = response.application_error()
        return apiproxy_errors.ApplicationError(error.code(), error.detail())
    if response.has_rpc_error():
        return exception_for_rpc_error(response.rpc_error().code(), response.rpc_error().detail(), service, method)
    return None


def exception_for_rpc_error(code, detail, service, method):
    """The exception an RpcError code stands for, naming the call."""
    exception_class = EXCEPTION_FOR_RPC_ERROR.get(code, apiproxy_errors.RPCFailedError)
    return exception_class('API call %s.%s() failed: %s' % (service, method, detail or 'no detail'))
