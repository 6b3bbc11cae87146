"""The App Engine API client: routes every API call of the app to an API server over `POST /rpc_http`.

    from python_compat import apiclient
    apiclient.install()                        # before the app makes API calls
    with apiclient.request_ticket(ticket):     # per request, by the serving layer
        ...

The server is at $API_HOST:$API_PORT, by default 127.0.0.1:10001 (the API server the runtime starts next
to the app; Google's service bridge would be appengine.googleapis.internal:10001).
"""

import os

from google.appengine.api import apiproxy_stub_map

from python_compat.apiclient.greenlet_state import make_sdk_state_greenlet_local
from python_compat.apiclient.stub import ServiceBridgeStub
from python_compat.apiclient.ticket import current_ticket, request_ticket, set_request_ticket

API_HOST_ENV = 'API_HOST'
API_PORT_ENV = 'API_PORT'
DEFAULT_API_HOST = '127.0.0.1'
DEFAULT_API_PORT = 10001

__all__ = ['install', 'server_address', 'ServiceBridgeStub', 'current_ticket', 'request_ticket',
           'set_request_ticket', 'make_sdk_state_greenlet_local', 'set_ndb_debug']


def server_address(environ=None):
    """(host, port) of the API server from $API_HOST and $API_PORT; ValueError naming a bad $API_PORT."""
    environ = os.environ if environ is None else environ
    host = environ.get(API_HOST_ENV) or DEFAULT_API_HOST
    port_text = environ.get(API_PORT_ENV) or str(DEFAULT_API_PORT)
    try:
        port = int(port_text)
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise ValueError('%s must be a TCP port number (1-65535), got %r' % (API_PORT_ENV, port_text))
    return host, port


def install(host=None, port=None):
    """Makes a new `apiproxy_stub_map.apiproxy` whose every service goes to the API server; returns its stub.

    host/port default to server_address(). Hooks and stubs registered on the previous apiproxy are dropped:
    call this at start-up, before the app is imported. Also makes the SDK's per-thread API state (ndb's
    event loop and context) per greenlet, which concurrent requests in a gevent worker need.
    """
    if host is None or port is None:
        default_host, default_port = server_address()
        host, port = host or default_host, port or default_port
    stub = ServiceBridgeStub(host, port)
    make_sdk_state_greenlet_local()
    apiproxy_stub_map.apiproxy = apiproxy_stub_map.APIProxyStubMap(default_stub=stub)
    return stub


def set_ndb_debug(enabled):
    """Turns ndb's debugging aids on or off: with them, every future records the stack that created it (a
    walk of ten frames, formatted) and every tasklet its code location, a tenth of a small request's CPU.
    Call after install(), which has imported all of ndb: its argument checks, applied at import while the
    flag was still on, stay."""
    from google.appengine.ext.ndb import utils
    utils.DEBUG = enabled
