"""Registers the App Engine SDK's service stubs, with their data kept under one storage directory.

The wiring is the SDK's own (`stub_util.setup_stubs`, as dev_appserver's API server uses it); this module
only chooses where each stub keeps its data and how it behaves in a shared, long-running server.
"""

import logging
import os

from python_compat.apiserver import memcached_cluster
from python_compat.apiserver import memcached_stub
from python_compat.apiserver import sdk_libraries
from python_compat.apiserver import task_service

# Before the stub modules are imported: some decide at import time what they can do (urlfetch's HTTPS).
sdk_libraries.add_stub_libraries_to_path()

# pylint: disable=wrong-import-position
from google.appengine.api import apiproxy_stub_map
from google.appengine.api import request_info
from google.appengine.datastore import datastore_stub_util
from google.appengine.datastore import datastore_sqlite_stub
from google.appengine.ext.remote_api import remote_api_services
from google.appengine.tools.devappserver2 import stub_util

_log = logging.getLogger(__name__)

DATASTORE_FILE = 'datastore.db'
LOGS_FILE = 'logs.db'
SEARCH_INDEXES_FILE = 'search_indexes'
BLOBS_DIR = 'blobs'



class ApplyOnCommitConsistencyPolicy(datastore_stub_util.BaseHighReplicationConsistencyPolicy):
    """High-replication semantics with every commit written to storage before the call returns.

    The SDK's HR policies only queue a commit in memory and apply it at the next global query or at a clean
    shutdown, so a server that is killed loses writes it has acknowledged. (`time` and `random` still queue
    on purpose: that is the eventual consistency they simulate.)
    """

    def _OnCommit(self, txn):
        for tracker in txn._GetAllTrackers():  # pylint: disable=protected-access
            meta_data = tracker._meta_data  # pylint: disable=protected-access
            with meta_data._write_lock:  # pylint: disable=protected-access
                meta_data.CatchUp()

    def _ShouldApply(self, txn, meta_data):
        return True


# Choices for ApiServerConfig.datastore_consistency.
CONSISTENCY_POLICIES = {
    # Every write is stored and visible to every query before the commit returns: deterministic and durable.
    'consistent': ApplyOnCommitConsistencyPolicy,
    # Production-like eventual consistency of non-ancestor queries, as dev_appserver simulates it.
    'time': datastore_stub_util.TimeBasedHRConsistencyPolicy,
    'random': datastore_stub_util.PseudoRandomHRConsistencyPolicy,
}


def service_methods():
    """{service: {method: (request class, response class)}} for every call the registered stubs serve."""
    methods = dict(remote_api_services.STUB_SERVICE_PB_MAP)
    # The SDK keeps datastore_v4 out of its public map; its own API server serves it from here.
    methods['datastore_v4'] = stub_util.DATASTORE_V4_METHODS
    return methods


def register_stubs(config):
    """Creates the storage layout of `config` (an ApiServerConfig) and returns a new APIProxyStubMap
    holding every service's stub.

    The map also becomes `apiproxy_stub_map.apiproxy`, because some stubs call other services through it
    (datastore commits enqueue transactional tasks, images read blobs through the datastore).
    """
    blobs_path = os.path.join(config.storage_path, BLOBS_DIR)
    for directory in (config.storage_path, blobs_path):
        if not os.path.isdir(directory):
            os.makedirs(directory)
    # Several stubs read the application id from the environment rather than from their arguments.
    os.environ['APPLICATION_ID'] = config.app_id
    apiproxy_stub_map.apiproxy = apiproxy_stub_map.APIProxyStubMap()
    stub_util.setup_stubs(
        # Request details come from this server's own environment: the stubs never see the app's requests.
        request_data=request_info._local_request_info,  # pylint: disable=protected-access
        app_id=config.app_id,
        application_root=config.app_root,
        # Trusted: the datastore accepts keys of this app written with any partition prefix (`myapp`,
        # `dev~myapp`, `s~myapp`) and stores each exactly as written, so encoded keys round-trip.
        trusted=True,
        appidentity_email_address=None,
        appidentity_private_key_path=None,
        blobstore_path=blobs_path,
        datastore_consistency=CONSISTENCY_POLICIES[config.datastore_consistency](),
        datastore_path=os.path.join(config.storage_path, DATASTORE_FILE),
        datastore_require_indexes=False,
        datastore_auto_id_policy=datastore_stub_util.SCATTERED,
        images_host_prefix='http://%s' % config.default_http_server,
        logs_path=os.path.join(config.storage_path, LOGS_FILE),
        mail_smtp_host=config.smtp_host,
        mail_smtp_port=config.smtp_port,
        mail_smtp_user=config.smtp_user,
        mail_smtp_password=config.smtp_password,
        mail_enable_sendmail=False,
        mail_show_mail_body=config.show_mail_body,
        mail_allow_tls=True,
        search_index_path=os.path.join(config.storage_path, SEARCH_INDEXES_FILE),
        # The stub only stores push tasks; python_compat.apiserver.task_service runs them against the app.
        taskqueue_auto_run_tasks=False,
        taskqueue_default_http_server=config.default_http_server,
        user_login_url='/_ah/login?continue=%s',
        # Both answered by the development sign-in page (IDENTITY_SOURCE=dev-login), as on dev_appserver.
        user_logout_url='/_ah/login?continue=%s&action=logout',
        default_gcs_bucket_name=None,
        datastore_local_stub_class=_SqliteDatastoreStub)
    # Runs push tasks against config.task_target_url and keeps every task across restarts.
    task_service.start(apiproxy_stub_map.apiproxy.GetStub('taskqueue'), config)
    if config.memcache_servers:
        cluster = memcached_cluster.MemcachedCluster(config.memcache_servers)
        _log.info('memcache served by memcached at %s', ', '.join(server.name for server in cluster.servers))
        apiproxy_stub_map.apiproxy.ReplaceStub('memcache', memcached_stub.MemcachedServiceStub(cluster))
    return apiproxy_stub_map.apiproxy


class _SqliteDatastoreStub(datastore_sqlite_stub.DatastoreSqliteStub):
    """The SDK's SQLite datastore stub, fixed for many concurrent clients.

    - stub_util.setup_stubs passes `trusted` as the fourth positional argument, which this class's
      constructor takes as `verbose` (log every SQL statement); it is passed by name here.
    - Transaction handles are `id()`s of the stub's transaction objects, so a finished transaction's handle
      soon names another caller's live one. ndb sends its failed attempt as `previous_transaction` when it
      retries, and the stub rolls back whatever that handle names now: another request's transaction. The
      hint only releases a transaction ndb has already finished (a failed commit removes it), so it is
      dropped.
    - The SDK runs SQLite with `synchronous = OFF` on a rollback journal, which creates and deletes a
      journal file at every commit. A write-ahead log makes a commit one append to the log (ndb put p50
      1.9 -> 1.6 ms). Durability is the SDK's, unchanged: a commit is in the OS's page cache when the call
      returns, so it survives the API server or the container dying, not an OS crash or power cut
      (`synchronous = NORMAL` would add that for a WAL, but its checkpoint fsyncs doubled put p99).
    """

    def __init__(self, app_id, datastore_path, require_indexes, trusted, **keywords):
        datastore_sqlite_stub.DatastoreSqliteStub.__init__(self, app_id, datastore_path, require_indexes,
                                                          trusted=trusted, **keywords)
        connection = self._GetConnection()
        try:
            # Kept in the file: it stays a WAL database across restarts and Clear().
            connection.execute('PRAGMA journal_mode = WAL')
        finally:
            self._ReleaseConnection(connection)

    def _Dynamic_BeginTransaction(self, request, transaction):  # pylint: disable=invalid-name
        request.clear_previous_transaction()
        datastore_sqlite_stub.DatastoreSqliteStub._Dynamic_BeginTransaction(self, request, transaction)


def save_stubs(stub_map):
    """Flushes what the stubs hold in memory to the storage directory; call it before the process exits.

    The datastore commits every write to SQLite as it happens; the search stub only writes its index file
    here, and the task queue stops its background thread.
    """
    _log.info('saving the datastore and search indexes')
    stub_map.GetStub('datastore_v3').Write()
    stub_map.GetStub('search').Write()
    stub_map.GetStub('taskqueue').Shutdown()
    task_service.stop(stub_map.GetStub('taskqueue'))
