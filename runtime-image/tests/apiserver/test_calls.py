"""The dispatcher answers every call with a remote_api Response: a reply, an application_error or an rpc_error."""

import pytest

from google.appengine.api import apiproxy_stub_map
from google.appengine.api.memcache import memcache_service_pb
from google.appengine.api.memcache import memcache_stub
from google.appengine.ext.remote_api import remote_api_pb
from google.appengine.runtime import apiproxy_errors

from python_compat.apiserver.calls import ApiCallExecutor

RpcError = remote_api_pb.RpcError
MEMCACHE_METHODS = {
    'Get': (memcache_service_pb.MemcacheGetRequest, memcache_service_pb.MemcacheGetResponse),
    'Set': (memcache_service_pb.MemcacheSetRequest, memcache_service_pb.MemcacheSetResponse),
}


class RaisingStub(object):
    """A stub whose every call raises the exception it was given."""
    THREADSAFE = False

    def __init__(self, exception):
        self.exception = exception

    def MakeSyncCall(self, *args):  # pylint: disable=invalid-name
        raise self.exception


def dispatcher_with(stub):
    stub_map = apiproxy_stub_map.APIProxyStubMap()
    stub_map.RegisterStub('memcache', stub)
    return ApiCallExecutor(stub_map, {'memcache': MEMCACHE_METHODS})


def call(dispatcher, method='Get', service='memcache', request=None):
    if request is None:
        request = memcache_service_pb.MemcacheGetRequest()
        request.add_key('k')
    envelope = remote_api_pb.Request()
    envelope.set_service_name(service)
    envelope.set_method(method)
    envelope.set_request(request.Encode())
    envelope.set_request_id('ticket')
    return remote_api_pb.Response(dispatcher.execute(envelope.Encode()))


def test_successful_call_carries_the_service_response():
    dispatcher = dispatcher_with(memcache_stub.MemcacheServiceStub())
    set_request = memcache_service_pb.MemcacheSetRequest()
    item = set_request.add_item()
    item.set_key('k')
    item.set_value('v')
    call(dispatcher, 'Set', request=set_request)

    response = call(dispatcher, 'Get')

    get_response = memcache_service_pb.MemcacheGetResponse(response.response())
    assert [i.value() for i in get_response.item_list()] == ['v']
    assert not response.has_application_error() and not response.has_rpc_error()


def test_application_error_keeps_its_code_and_detail():
    dispatcher = dispatcher_with(RaisingStub(apiproxy_errors.ApplicationError(7, 'service said no')))

    response = call(dispatcher)

    assert (response.application_error().code(), response.application_error().detail()) == (7, 'service said no')
    assert not response.has_rpc_error()


@pytest.mark.parametrize('service, method', [('nosuchservice', 'Get'), ('memcache', 'NoSuchMethod')])
def test_unknown_call_is_call_not_found(service, method):
    response = call(dispatcher_with(memcache_stub.MemcacheServiceStub()), method, service)

    assert response.rpc_error().code() == RpcError.CALL_NOT_FOUND


def test_malformed_envelope_is_a_parse_error():
    dispatcher = dispatcher_with(memcache_stub.MemcacheServiceStub())

    response = remote_api_pb.Response(dispatcher.execute('\xff\xff not a protocol buffer'))

    assert response.rpc_error().code() == RpcError.PARSE_ERROR


@pytest.mark.parametrize('exception, code', [
    (apiproxy_errors.DeadlineExceededError('slow'), RpcError.DEADLINE_EXCEEDED),
    (apiproxy_errors.RequestTooLargeError('big'), RpcError.REQUEST_TOO_LARGE),
    (apiproxy_errors.CapabilityDisabledError('off'), RpcError.CAPABILITY_DISABLED),
])
def test_apiproxy_errors_become_their_rpc_error_code(exception, code):
    response = call(dispatcher_with(RaisingStub(exception)))

    assert response.rpc_error().code() == code


def test_stub_bug_is_an_unknown_rpc_error_without_traceback():
    response = call(dispatcher_with(RaisingStub(KeyError('oops'))))

    assert response.rpc_error().code() == RpcError.UNKNOWN
    assert 'KeyError' in response.rpc_error().detail()
    assert 'Traceback' not in response.rpc_error().detail()
