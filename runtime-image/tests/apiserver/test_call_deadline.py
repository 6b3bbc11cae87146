"""The deadline of the call being served reaches the stub (stubs that wait on the network end by it)."""

from google.appengine.api import apiproxy_stub_map
from google.appengine.api.memcache import memcache_service_pb
from google.appengine.ext.remote_api import remote_api_pb

from python_compat.apiserver import call_deadline
from python_compat.apiserver.calls import ApiCallExecutor

MEMCACHE_METHODS = {'Get': (memcache_service_pb.MemcacheGetRequest, memcache_service_pb.MemcacheGetResponse)}


class DeadlineRecordingStub(object):
    THREADSAFE = True

    def __init__(self):
        self.remaining = []

    def MakeSyncCall(self, *args):  # pylint: disable=invalid-name
        self.remaining.append(call_deadline.remaining_seconds())


def execute(deadline_seconds):
    stub = DeadlineRecordingStub()
    stub_map = apiproxy_stub_map.APIProxyStubMap()
    stub_map.RegisterStub('memcache', stub)
    envelope = remote_api_pb.Request()
    envelope.set_service_name('memcache')
    envelope.set_method('Get')
    envelope.set_request(memcache_service_pb.MemcacheGetRequest().Encode())
    ApiCallExecutor(stub_map, {'memcache': MEMCACHE_METHODS}).execute(envelope.Encode(), deadline_seconds)
    return stub.remaining[0]


def test_the_stub_sees_what_is_left_of_the_clients_deadline():
    assert 4.0 < execute(5.0) <= 5.0


def test_without_a_deadline_the_stub_gets_the_default():
    assert call_deadline.DEFAULT_SECONDS - 1 < execute(None) <= call_deadline.DEFAULT_SECONDS


def test_outside_a_call_the_default_applies():
    assert call_deadline.remaining_seconds() == call_deadline.DEFAULT_SECONDS
