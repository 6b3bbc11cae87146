"""How the client reports a server that is away, slow, or restarted under its pooled connections."""

import contextlib
import socket

import pytest

from google.appengine.api import apiproxy_stub_map
from google.appengine.api import memcache
from google.appengine.api.memcache import memcache_service_pb
from google.appengine.runtime import apiproxy_errors

from api_fixtures import api, api_server, free_port  # noqa: F401  pylint: disable=unused-import
from python_compat import apiclient


@pytest.fixture
def client_of():
    """Installs the client against an arbitrary port; restores the apiproxy afterwards."""
    previous = apiproxy_stub_map.apiproxy
    yield lambda port: apiclient.install('127.0.0.1', port)
    apiproxy_stub_map.apiproxy = previous


@contextlib.contextmanager
def silent_server():
    """A socket that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(8)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


def memcache_get_rpc(deadline=None):
    """A raw memcache Get (the memcache library itself turns every failure into a miss)."""
    rpc = apiproxy_stub_map.UserRPC('memcache', deadline=deadline)
    request = memcache_service_pb.MemcacheGetRequest()
    request.add_key('key')
    rpc.make_call('Get', request, memcache_service_pb.MemcacheGetResponse())
    return rpc


def test_unreachable_server_is_an_rpc_failure(client_of):
    client_of(free_port())

    with pytest.raises(apiproxy_errors.RPCFailedError):
        memcache_get_rpc().check_success()


def test_server_that_does_not_answer_in_time_is_a_deadline_error(client_of):
    with silent_server() as port:
        client_of(port)

        with pytest.raises(apiproxy_errors.DeadlineExceededError):
            memcache_get_rpc(deadline=0.2).check_success()


def test_pooled_connection_closed_by_a_server_restart_is_replaced(api, api_server):
    assert memcache.set('before-restart', 1)  # leaves a keep-alive connection in the pool

    api_server.restart()

    assert memcache.set('after-restart', 2)
    assert memcache.get('after-restart') == 2
