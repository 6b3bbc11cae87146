"""An apiproxy RPC whose call travels to the API server; what ndb, db and every API's async path use."""

import sys

from google.appengine.api import apiproxy_rpc
from google.appengine.runtime import apiproxy_errors

from python_compat.apiclient import ticket
from python_compat.wire import framed_calls
from python_compat.wire import rpc_protocol

# Seconds a call may take when its caller sets no deadline (the Managed VM stub's default).
DEFAULT_DEADLINE_SECONDS = 60.0


class ServiceBridgeRPC(apiproxy_rpc.RPC):
    """Sends the call when it is made and reads the reply when it is waited on.

    Errors become the exceptions App Engine code expects: the service's ApplicationError (which the API
    libraries turn into e.g. datastore_errors.BadRequestError), DeadlineExceededError, RPCFailedError...
    They are raised by CheckSuccess(), like every apiproxy RPC.
    """

    def __init__(self, *args, **kwargs):
        apiproxy_rpc.RPC.__init__(self, *args, **kwargs)
        self._pending = None

    def _MakeCallImpl(self):
        deadline = self.deadline if self.deadline and self.deadline > 0 else DEFAULT_DEADLINE_SECONDS
        self._pending = self.stub.channel.start(self.package, self.call, self.request.SerializeToString(),
                                                ticket.current_ticket(), deadline)
        self._state = apiproxy_rpc.RPC.RUNNING

    def _WaitImpl(self):
        try:
            self._read_response()
        except Exception:  # pylint: disable=broad-except
            # Kept for CheckSuccess(), as apiproxy_rpc.RPC does with its own call's exceptions.
            _, self._exception, self._traceback = sys.exc_info()
        finally:
            self._pending = None
            self._state = apiproxy_rpc.RPC.FINISHING
            self._Callback()
        return True

    def _read_response(self):
        kind, code, payload = self._pending.outcome()
        if kind == framed_calls.OK:
            self.response.ParseFromString(payload)
        elif kind == framed_calls.APPLICATION_ERROR:
            raise apiproxy_errors.ApplicationError(code, payload)
        else:
            raise rpc_protocol.exception_for_rpc_error(code, payload, self.package, self.call)
