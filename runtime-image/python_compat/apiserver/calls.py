"""Runs one remote_api call against the service stubs; encodes the outcome as a remote_api Response.

Every outcome is a Response: the stub's reply, an `application_error` for errors the service itself
raises (ApplicationError), or an `rpc_error` for everything else. A client never sees a traceback; the
server logs it.
"""

import logging
import threading
import time

from google.appengine.ext.remote_api import remote_api_pb
from google.appengine.runtime import apiproxy_errors

from python_compat.apiserver import call_deadline
from python_compat.wire import framed_calls
from python_compat.wire import rpc_protocol

_log = logging.getLogger(__name__)
_RpcError = remote_api_pb.RpcError


class _CallFailed(Exception):
    """Ends a call early with an rpc_error code and a detail for the client."""

    def __init__(self, code, detail):
        Exception.__init__(self, detail)
        self.code = code
        self.detail = detail


class ApiCallExecutor(object):
    """Executes serialized remote_api Requests against the stubs of an apiproxy_stub_map.APIProxyStubMap.

    Stubs that declare THREADSAFE get concurrent calls; every other stub gets its own lock, so a slow call
    to one service (a urlfetch, a large query) never queues the calls to another. Locks are created with
    `threading`, which gevent's monkey-patching turns into greenlet locks.
    """

    def __init__(self, stub_map, service_methods):
        """service_methods: {service: {method: (request class, response class)}} of the calls to serve."""
        self._stub_map = stub_map
        self._service_methods = service_methods
        self._locks = {}
        self._locks_guard = threading.Lock()

    def execute(self, request_body, deadline_seconds=None):
        """Runs the call in `request_body` (serialized remote_api Request); returns a serialized Response.

        `deadline_seconds` is the caller's budget: a call still waiting for its service lock after it has
        passed is answered DEADLINE_EXCEEDED instead of being run for a client that has given up.
        """
        response = remote_api_pb.Response()
        try:
            request = self._parse_request(request_body)
        except _CallFailed as failure:
            _log.warning('?.? failed: %s', failure.detail)
            self._set_rpc_error(response, failure.code, failure.detail)
            return response.Encode()
        kind, code, payload = self.run(request.service_name(), request.method(), request.request(), deadline_seconds,
                                       request.request_id() if request.has_request_id() else None)
        if kind == framed_calls.OK:
            response.set_response(payload)
        elif kind == framed_calls.APPLICATION_ERROR:
            application_error = response.mutable_application_error()
            application_error.set_code(code)
            application_error.set_detail(payload)
        else:
            self._set_rpc_error(response, code, payload)
        return response.Encode()

    def run(self, service, method, request_bytes, deadline_seconds=None, ticket=None):
        """Runs one call; returns its outcome as (kind, code, payload) of wire/framed_calls.py: (OK, 0, the
        serialized response), (APPLICATION_ERROR, the service's code, detail) or (RPC_ERROR, an RpcError code,
        detail)."""
        started = time.time()
        try:
            stub, service_request, service_response = self._prepare(service, method, request_bytes)
            with self._lock_for(service, stub):
                if deadline_seconds is not None and time.time() - started > deadline_seconds:
                    raise _CallFailed(_RpcError.DEADLINE_EXCEEDED, 'deadline passed while queued')
                with call_deadline.deadline(started, deadline_seconds):
                    returned = stub.MakeSyncCall(service, method, service_request, service_response, ticket)
            return framed_calls.OK, 0, (returned or service_response).Encode()
        except apiproxy_errors.ApplicationError as error:
            _log.debug('%s.%s: application error %s', service, method, error)
            return framed_calls.APPLICATION_ERROR, error.application_error, error.error_detail or ''
        except _CallFailed as failure:
            _log.warning('%s.%s failed: %s', service, method, failure.detail)
            return framed_calls.RPC_ERROR, failure.code, failure.detail
        except apiproxy_errors.Error as error:
            _log.warning('%s.%s failed: %r', service, method, error)
            return (framed_calls.RPC_ERROR, rpc_protocol.rpc_error_code_for(error),
                    str(error) or type(error).__name__)
        except Exception as error:  # pylint: disable=broad-except
            # A bug in a stub must not take the server down; the client gets the summary, the log the traceback.
            _log.exception('%s.%s raised', service, method)
            return framed_calls.RPC_ERROR, _RpcError.UNKNOWN, '%s: %s' % (type(error).__name__, error)

    @staticmethod
    def _parse_request(request_body):
        request = remote_api_pb.Request()
        try:
            request.ParseFromString(request_body)
        except Exception as error:  # pylint: disable=broad-except
            # ProtocolBuffer raises a variety of errors (decode errors, assertions) for malformed input.
            raise _CallFailed(_RpcError.PARSE_ERROR, 'malformed remote_api Request: %s' % (error,))
        return request

    def _prepare(self, service, method, request_bytes):
        """The stub and the parsed request/empty response messages of a call."""
        request_class, response_class = self._service_methods.get(service, {}).get(method, (None, None))
        stub = self._stub_map.GetStub(service)
        if request_class is None or stub is None:
            raise _CallFailed(_RpcError.CALL_NOT_FOUND, 'unknown API call %s.%s' % (service, method))
        service_request = request_class()
        try:
            service_request.ParseFromString(request_bytes)
        except Exception as error:  # pylint: disable=broad-except
            raise _CallFailed(_RpcError.PARSE_ERROR, 'malformed %s.%s request: %s' % (service, method, error))
        return stub, service_request, response_class()

    def _lock_for(self, service, stub):
        if getattr(stub, 'THREADSAFE', False):
            return _NO_LOCK
        with self._locks_guard:
            return self._locks.setdefault(service, threading.RLock())

    @staticmethod
    def _set_rpc_error(response, code, detail):
        rpc_error = response.mutable_rpc_error()
        rpc_error.set_code(code)
        rpc_error.set_detail(detail)


class _NoLock(object):
    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False


_NO_LOCK = _NoLock()
