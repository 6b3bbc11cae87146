"""Registers the App Engine SDK's service stubs, with their data kept under one storage directory.

The wiring is the SDK's own (`stub_util.setup_stubs`, as dev_appserver's API server uses it); this module
only chooses where each stub keeps its data and how it behaves in a shared, long-running server.
"""

import logging
import os

from python_compat.apiserver.mail import mail_service
from python_compat.apiserver.memcache import memcached_cluster
from python_compat.apiserver.memcache import memcached_stub
from google.appengine.api import apiproxy_stub_map

from python_compat import sdk

_log = logging.getLogger(__name__)

DATASTORE_FILE = 'datastore.db'
LOGS_FILE = 'logs.db'
SEARCH_INDEXES_FILE = 'search_indexes'
BLOBS_DIR = 'blobs'


def _stub_util():
    """The SDK's stub wiring, which imports every stub module: the libraries some of them look for at import
    time (urlfetch's HTTPS) are put on sys.path first."""
    sdk.add_libraries_the_stubs_need()
    from google.appengine.tools.devappserver2 import stub_util
    return stub_util


def service_methods():
    """{service: {method: (request class, response class)}} for every call the registered stubs serve."""
    from google.appengine.ext.remote_api import remote_api_services
    stub_util = _stub_util()
    methods = dict(remote_api_services.STUB_SERVICE_PB_MAP)
    # The SDK keeps datastore_v4 out of its public map; its own API server serves it from here.
    methods['datastore_v4'] = stub_util.DATASTORE_V4_METHODS
    # The stub's test hook that sets the OAuth user: no caller may choose who OAuth says is calling.
    methods['user'] = dict((method, classes) for method, classes in methods['user'].items()
                           if method != 'SetOAuthUser')
    return methods


def register_stubs(config):
    """Creates the storage layout of `config` (an ApiServerConfig) and returns a new APIProxyStubMap
    holding every service's stub.

    The map also becomes `apiproxy_stub_map.apiproxy`, because some stubs call other services through it
    (datastore commits enqueue transactional tasks, images read blobs through the datastore).
    """
    stub_util = _stub_util()
    from google.appengine.api import request_info
    from google.appengine.datastore import datastore_stub_util
    from python_compat.apiserver.datastore import sqlite_stub
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
        datastore_consistency=sqlite_stub.CONSISTENCY_POLICIES[config.datastore_consistency](),
        datastore_path=os.path.join(config.storage_path, DATASTORE_FILE),
        datastore_require_indexes=False,
        datastore_auto_id_policy=datastore_stub_util.SCATTERED,
        images_host_prefix='http://%s' % config.default_http_server,
        logs_path=os.path.join(config.storage_path, LOGS_FILE),
        # Replaced below by python_compat.apiserver.mail.
        mail_smtp_host=None,
        mail_smtp_port=None,
        mail_smtp_user=None,
        mail_smtp_password=None,
        mail_enable_sendmail=False,
        mail_show_mail_body=False,
        mail_allow_tls=False,
        search_index_path=os.path.join(config.storage_path, SEARCH_INDEXES_FILE),
        # The stub only stores push tasks; python_compat.apiserver.tasks.task_service runs them against the app.
        taskqueue_auto_run_tasks=False,
        taskqueue_default_http_server=config.default_http_server,
        user_login_url='/_ah/login?continue=%s',
        # Both answered by the development sign-in page (IDENTITY_SOURCE=dev-login), as on dev_appserver.
        user_logout_url='/_ah/login?continue=%s&action=logout',
        default_gcs_bucket_name=None,
        datastore_local_stub_class=_datastore_stub_class(config))
    # The SDK's user stub answers every OAuth call with a fixed test user (example@example.com), so any request
    # would pass an app's OAuth check. No OAuth token is verified here: every call fails as App Engine failed a
    # request without a valid token (oauth.OAuthRequestError).
    apiproxy_stub_map.apiproxy.GetStub('user').SetOAuthUser(email=None)
    apiproxy_stub_map.apiproxy.ReplaceStub(
        'mail', mail_service.MailService(config.mail_relay, config.admin_email_recipients))
    if config.mail_relay is not None:
        _log.info('mail sent through %s', config.mail_relay.describe())
    if config.memcache_servers:
        cluster = memcached_cluster.MemcachedCluster(config.memcache_servers)
        _log.info('memcache served by memcached at %s', ', '.join(server.name for server in cluster.servers))
        apiproxy_stub_map.apiproxy.ReplaceStub('memcache', memcached_stub.MemcachedServiceStub(cluster))
    return apiproxy_stub_map.apiproxy


def _datastore_stub_class(config):
    """What setup_stubs builds the datastore_v3 stub with: SQLite, or Cloud Datastore when configured."""
    if config.cloud_datastore is None:
        from python_compat.apiserver.datastore import sqlite_stub
        return sqlite_stub.SqliteDatastoreStub
    from python_compat.apiserver.datastore import cloud
    _log.info('datastore served by Cloud Datastore: %s', config.cloud_datastore.describe())
    # setup_stubs passes the SQLite stub's arguments; only the app id matters here.
    return lambda app_id, *unused_args, **unused_keywords: cloud.create_stub(app_id, config.cloud_datastore)


def save_stubs(stub_map):
    """Flushes what the stubs hold in memory to the storage directory; call it before the process exits.

    The datastore commits every write to SQLite as it happens; the search stub only writes its index file
    here, and the task queue stops its background thread.
    """
    _log.info('saving the datastore and search indexes')
    stub_map.GetStub('datastore_v3').Write()
    stub_map.GetStub('search').Write()
    stub_map.GetStub('taskqueue').Shutdown()
