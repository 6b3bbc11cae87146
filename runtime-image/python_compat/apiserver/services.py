"""Registers the App Engine SDK's service stubs, with their data kept under one storage directory.

Each stub is made as dev_appserver's API server made it (stub_factories.py) and only when the first call to its
service arrives (lazy_stub.py); this module chooses where the stubs keep their data and saves it at exit.
"""

import logging
import os

from google.appengine.api import apiproxy_stub_map

from python_compat import sdk
from python_compat.apiserver import lazy_stub
from python_compat.apiserver import service_methods as service_methods_module
from python_compat.apiserver import stub_factories
from python_compat.apiserver.memcache import memcached_cluster

_log = logging.getLogger(__name__)

BLOBS_DIR = 'blobs'


def service_methods():
    """{service: {method: (request class, response class)}} (a ServiceMethods) of every call the stubs serve."""
    return service_methods_module.ServiceMethods()


def register_stubs(config):
    """Creates the storage layout of `config` (an ApiServerConfig) and returns a new APIProxyStubMap holding every
    service's stub; those of StubFactories.created_on_first_call() are made when the first call reaches them.

    The map also becomes `apiproxy_stub_map.apiproxy`, because some stubs call other services through it
    (datastore commits enqueue transactional tasks, images read blobs through the datastore).
    """
    # The libraries some stubs look for at import time (urlfetch's HTTPS) go on sys.path first.
    sdk.add_libraries_the_stubs_need()
    blobs_path = os.path.join(config.storage_path, BLOBS_DIR)
    for directory in (config.storage_path, blobs_path):
        if not os.path.isdir(directory):
            os.makedirs(directory)
    # Several stubs read the application id from the environment rather than from their arguments.
    os.environ['APPLICATION_ID'] = config.app_id
    memcached = None
    if config.memcache_servers:
        memcached = memcached_cluster.MemcachedCluster(config.memcache_servers)
        _log.info('memcache served by memcached at %s', ', '.join(server.name for server in memcached.servers))
    if config.mail_relay is not None:
        _log.info('mail sent through %s', config.mail_relay.describe())
    if config.cloud_datastore is not None:
        _log.info('datastore served by Cloud Datastore: %s', config.cloud_datastore.describe())
    stub_map = apiproxy_stub_map.apiproxy = apiproxy_stub_map.APIProxyStubMap()
    factories = stub_factories.StubFactories(config, blobs_path, memcached)
    for service in factories.SERVICES:
        stub_map.RegisterStub(service, lazy_stub.LazyStub(service, getattr(factories, service), stub_map))
    made_later = factories.created_on_first_call()
    for service in factories.SERVICES:
        if service not in made_later:
            stub_map.GetStub(service).stub()
    return stub_map


def save_stubs(stub_map):
    """Flushes what the stubs hold in memory to the storage directory; call it before the process exits.

    The datastore commits every write to SQLite as it happens; the search stub only writes its index file
    here, and the task queue stops its background thread. A stub no call has created has nothing to save.
    """
    _log.info('saving the datastore and search indexes')
    for service, save in (('datastore_v3', 'Write'), ('search', 'Write'), ('taskqueue', 'Shutdown')):
        stub = lazy_stub.created_stub(stub_map, service)
        if stub is not None:
            getattr(stub, save)()
