"""Cloud Datastore v1 errors as the App Engine datastore errors apps catch.

v1 reports a google.rpc code; the app's datastore client (datastore_rpc) turns a v3 error code into its
exception, so each v1 code maps to the v3 code whose exception an App Engine app expects for the same
condition: a conflict is TransactionFailedError, a missing composite index NeedIndexError, a deadline or a
backend that is briefly unavailable is Timeout (App Engine's datastore said Timeout for both).
"""

from google.appengine.datastore import datastore_pb
from google.appengine.runtime import apiproxy_errors
from google.rpc import code_pb2

_V3 = datastore_pb.Error

V3_CODE_FOR_V1_CODE = {
    code_pb2.INVALID_ARGUMENT: _V3.BAD_REQUEST,
    code_pb2.NOT_FOUND: _V3.BAD_REQUEST,
    code_pb2.ALREADY_EXISTS: _V3.BAD_REQUEST,
    code_pb2.OUT_OF_RANGE: _V3.BAD_REQUEST,
    code_pb2.PERMISSION_DENIED: _V3.BAD_REQUEST,
    code_pb2.UNAUTHENTICATED: _V3.BAD_REQUEST,
    code_pb2.ABORTED: _V3.CONCURRENT_TRANSACTION,
    code_pb2.DEADLINE_EXCEEDED: _V3.TIMEOUT,
    code_pb2.UNAVAILABLE: _V3.TIMEOUT,
    code_pb2.CANCELLED: _V3.TIMEOUT,
    code_pb2.RESOURCE_EXHAUSTED: _V3.RESOURCE_EXHAUSTED,
    code_pb2.INTERNAL: _V3.INTERNAL_ERROR,
    code_pb2.UNKNOWN: _V3.INTERNAL_ERROR,
    code_pb2.DATA_LOSS: _V3.INTERNAL_ERROR,
    code_pb2.UNIMPLEMENTED: _V3.BAD_REQUEST,
}


class V1Error(Exception):
    """A v1 call that failed: `code` is a google.rpc code (code_pb2), `message` the server's explanation."""

    def __init__(self, code, message):
        Exception.__init__(self, '%s: %s' % (_code_name(code), message))
        self.code = code
        self.message = message


def _code_name(code):
    try:
        return code_pb2.Code.Name(code)
    except ValueError:
        return str(code)


def v3_code_for(error):
    """The datastore_pb.Error code for a V1Error."""
    if error.code == code_pb2.FAILED_PRECONDITION:
        # v1 says FAILED_PRECONDITION for a missing composite index (its message names the index) and for
        # a few other refusals (e.g. a transaction used after it ended), which App Engine called bad requests.
        return _V3.NEED_INDEX if 'index' in error.message.lower() else _V3.BAD_REQUEST
    return V3_CODE_FOR_V1_CODE.get(error.code, _V3.INTERNAL_ERROR)


def application_error(error):
    """The apiproxy ApplicationError the app's datastore client turns into the matching App Engine exception."""
    return apiproxy_errors.ApplicationError(v3_code_for(error), error.message)


def transaction_failed(detail):
    """App Engine's TransactionFailedError (which ndb and db retry when a commit raises it)."""
    return apiproxy_errors.ApplicationError(_V3.CONCURRENT_TRANSACTION, detail)


def bad_request(detail):
    """App Engine's BadRequestError, for requests this translator refuses itself."""
    return apiproxy_errors.ApplicationError(_V3.BAD_REQUEST, detail)
