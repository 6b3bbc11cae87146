"""The App Engine API client: routes every API call of the app to an API server over `POST /rpc_http`, or to the
container's own API server over its Unix socket; memcache calls to the container's shared memcache, served in the
app's own process, and datastore calls to the container's SQLite datastore, made in the app's own process.

    from python_compat import apiclient
    apiclient.install(host, port)              # before the app makes API calls

The serving runtime installs it for API_HOST:API_PORT, by default 127.0.0.1:10001 (the API server the
runtime starts next to the app; Google's service bridge would be appengine.googleapis.internal:10001). The
ticket of each call is the request's REQUEST_LOG_ID (see ticket.py).
"""

from google.appengine.api import apiproxy_stub_map

from python_compat.apiclient import after_import
from python_compat.apiclient import datastore_here
from python_compat.apiclient import framed_transport
from python_compat.apiclient import greenlet_state
from python_compat.apiclient import http_channel
from python_compat.apiclient.greenlet_state import make_sdk_state_greenlet_local
from python_compat.apiclient.stub import ServiceBridgeStub
from python_compat.apiclient.ticket import current_ticket, set_default_ticket
from python_compat.wire import api_signature

__all__ = ['install', 'ServiceBridgeStub', 'current_ticket', 'set_default_ticket',
           'make_sdk_state_greenlet_local', 'set_ndb_debug']


def install(host, port, secret=None, unix_socket=None, when_not_listening=None, memcache_store=None,
            memcache_max_bytes=None, datastore_file=None, app_id=None, app_root=None):
    """Makes a new `apiproxy_stub_map.apiproxy` whose every service goes to the API server at host:port, each call
    signed with `secret` (API_SERVER_SECRET) when one is given, or to the container's own API server through its
    Unix socket when `unix_socket` names it (`when_not_listening` is called the first time nothing listens there);
    returns its stub. With `unix_socket`, the `user` service is served in this process (apiclient/users_here.py).
    With `memcache_store` (MEMCACHE_STORE), memcache calls are served in this process from that
    file, which the container's API server and every worker share (apiserver/memcache/shared_store.py). With
    `datastore_file` (DATASTORE_FILE), the SQLite file the container's API server keeps the datastore in, datastore
    calls are made in this process on that file, as the API server makes them (apiclient/datastore_here.py), for
    the application `app_id` (APPLICATION_ID) with the indexes of its index.yaml in `app_root`.

    Hooks and stubs registered on the previous apiproxy are dropped: call this at start-up, before the app is
    imported. Also makes the SDK's per-thread API state (ndb's event loop and context, once ndb is imported) per
    greenlet, which concurrent requests in a gevent worker need.
    """
    if unix_socket:
        channel = framed_transport.FramedChannel(unix_socket, when_not_listening=when_not_listening)
    else:
        channel = http_channel.HttpChannel(host, port, api_signature.signer_for(secret))
    stub = ServiceBridgeStub(channel)
    make_sdk_state_greenlet_local()
    apiproxy_stub_map.apiproxy = apiproxy_stub_map.APIProxyStubMap(default_stub=stub)
    if unix_socket:
        _serve_users_here(apiproxy_stub_map.apiproxy)
    if memcache_store:
        _serve_memcache_here(apiproxy_stub_map.apiproxy, memcache_store, memcache_max_bytes)
    if datastore_file:
        datastore = datastore_here.DatastoreHereStub(datastore_file, app_id, app_root)
        apiproxy_stub_map.apiproxy.RegisterStub('datastore_v3', datastore)
        apiproxy_stub_map.apiproxy.RegisterStub('taskqueue',
                                                datastore_here.TransactionalTasksHereStub(channel, datastore))
    return stub


def _serve_users_here(stub_map):
    from python_compat.apiclient import users_here
    from python_compat.apiserver import lazy_stub
    stub_map.RegisterStub('user', lazy_stub.LazyStub('user', users_here.create_stub, stub_map))


def _serve_memcache_here(stub_map, path, max_bytes):
    from python_compat.apiserver import lazy_stub

    def create():
        # Made at the first memcache call, which an app that never calls memcache never pays for.
        from python_compat.apiserver.memcache import shared_stub
        return shared_stub.stub_for(path, max_bytes)
    stub_map.RegisterStub('memcache', lazy_stub.LazyStub('memcache', create, stub_map))


def set_ndb_debug(enabled):
    """Turns ndb's debugging aids on or off once ndb is imported (now, if it is): with them, every future records
    the stack that created it (a walk of ten frames, formatted) and every tasklet its code location, a tenth of a
    small request's CPU. Set after ndb's whole import, its argument checks, applied at import while the flag was
    still on, stay."""
    def set_flag(unused_ndb):
        from google.appengine.ext.ndb import utils
        utils.DEBUG = enabled
    after_import.call_after_import(greenlet_state.NDB_PACKAGE, set_flag)
