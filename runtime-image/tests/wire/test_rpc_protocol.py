"""Errors on the wire and the exceptions they stand for, on both sides."""

import pytest

from google.appengine.ext.remote_api import remote_api_pb
from google.appengine.runtime import apiproxy_errors

from python_compat.wire import rpc_protocol

RpcError = remote_api_pb.RpcError


def test_application_error_becomes_application_error_exception():
    response = remote_api_pb.Response()
    response.mutable_application_error().set_code(1)
    response.mutable_application_error().set_detail('bad key')

    error = rpc_protocol.exception_for_response(response, 'datastore_v3', 'Get')

    assert isinstance(error, apiproxy_errors.ApplicationError)
    assert (error.application_error, error.error_detail) == (1, 'bad key')


@pytest.mark.parametrize('code, exception_class', sorted(rpc_protocol.EXCEPTION_FOR_RPC_ERROR.items()))
def test_each_rpc_error_code_round_trips_through_its_exception(code, exception_class):
    response = remote_api_pb.Response()
    response.mutable_rpc_error().set_code(code)

    error = rpc_protocol.exception_for_response(response, 'memcache', 'Get')

    assert type(error) is exception_class
    assert rpc_protocol.rpc_error_code_for(error) == code


def test_unmapped_rpc_error_code_is_an_rpc_failure():
    response = remote_api_pb.Response()
    response.mutable_rpc_error().set_code(RpcError.SECURITY_VIOLATION)

    assert type(rpc_protocol.exception_for_response(response, 'm', 'G')) is apiproxy_errors.RPCFailedError


def test_successful_response_is_no_exception():
    response = remote_api_pb.Response()
    response.set_response('payload')

    assert rpc_protocol.exception_for_response(response, 'memcache', 'Get') is None
