"""memcache in a container: served in the app's own process from the container's shared memcache file, on the
same data as the API server's `/rpc_http` and every other worker."""

import os

from google.appengine.api import apiproxy_stub_map
from google.appengine.api import memcache
from google.appengine.ext import ndb

from python_compat.apiclient import http_channel
from python_compat.apiclient import stub as stub_module


class Note(ndb.Model):
    text = ndb.StringProperty()


def over_rpc_http(api_server):
    """A memcache client whose calls go to the API server over HTTP, as an external client's do."""
    stub_map = apiproxy_stub_map.APIProxyStubMap(
        default_stub=stub_module.ServiceBridgeStub(http_channel.HttpChannel('127.0.0.1', api_server.port)))
    return memcache.Client(_app_id=None), stub_map


def call_over_rpc_http(api_server, function):
    client, stub_map = over_rpc_http(api_server)
    previous = apiproxy_stub_map.apiproxy
    apiproxy_stub_map.apiproxy = stub_map
    try:
        return function(client)
    finally:
        apiproxy_stub_map.apiproxy = previous


def test_the_app_and_the_api_server_share_memcache(api_server, container_api):
    assert memcache.set('shared-by-app', 'from the app')
    assert call_over_rpc_http(api_server, lambda client: client.get('shared-by-app')) == 'from the app'
    assert call_over_rpc_http(api_server, lambda client: client.set('shared-by-server', 7))
    assert memcache.incr('shared-by-server') == 8


def test_memcache_calls_never_reach_the_api_server(api_server, container_api):
    """With the API server stopped, memcache still answers; the datastore, which it serves, does not."""
    memcache.set('before-stop', 1)
    api_server.stop()
    try:
        assert memcache.get('before-stop') == 1
        assert memcache.incr('before-stop') == 2
    finally:
        api_server.start()
    assert Note(text='after restart').put().get().text == 'after restart'


def test_a_forked_worker_reads_and_writes_the_same_memcache(container_api):
    memcache.set('parent', 'p')
    pid = os.fork()
    if pid == 0:
        ok = False
        try:
            ok = memcache.get('parent') == 'p' and memcache.set('child', 'c')
        finally:
            os._exit(0 if ok else 1)
    assert os.waitpid(pid, 0)[1] == 0
    assert memcache.get('child') == 'c'
