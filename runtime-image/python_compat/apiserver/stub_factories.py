"""How each service's stub is made: the SDK's stubs as dev_appserver's API server makes them
(`devappserver2/stub_util.setup_stubs`, SDK 1.9.88), with the choices of this server, and ours where we replace
one (mail through SMTP, memcache shared with the app's workers or in memcached, Cloud Datastore).

Every factory imports its stub module itself, so a service made on its first call (lazy_stub.py) costs nothing
until then.
"""

import os

DATASTORE_FILE = 'datastore.db'
LOGS_FILE = 'logs.db'
SEARCH_INDEXES_FILE = 'search_indexes'


class StubFactories(object):
    """One method per service, named as the service, returning a new stub; `config`: an ApiServerConfig, blob
    bytes live in `blobs_path`, `memcached`: the MemcachedCluster that serves memcache (None: the config's
    memcache_store, or the SDK's stub without one)."""

    SERVICES = ('app_identity_service', 'blobstore', 'capability_service', 'channel', 'datastore_v3', 'datastore_v4',
                'images', 'logservice', 'mail', 'memcache', 'modules', 'remote_socket', 'search', 'system', 'taskqueue',
                'urlfetch', 'user', 'xmpp')

    # Made when the first call arrives: stubs whose modules are large (the search stub and its query parser,
    # images and PIL, app identity and its key libraries, mail and the email package) or rarely called (the
    # datastore's v4 API), and whose making changes nothing the others rely on. The rest are made at start, in
    # this order, as setup_stubs made them: the user stub sets AUTH_DOMAIN in the environment, which the
    # blobstore reads on every upload URL; the task queue starts its thread.
    CREATED_ON_FIRST_CALL = ('app_identity_service', 'channel', 'datastore_v4', 'images', 'logservice', 'mail',
                             'remote_socket', 'search', 'xmpp')

    def created_on_first_call(self):
        """CREATED_ON_FIRST_CALL, and the SQLite datastore: the container's workers make their datastore calls
        themselves, so the embedded server rarely needs it, and making it at start (the SDK's modules, PyYAML,
        the schema) would delay a container's first response. Cloud Datastore is made at start: a mistake in its
        settings stops the server there."""
        if self._config.cloud_datastore is None:
            return self.CREATED_ON_FIRST_CALL + ('datastore_v3',)
        return self.CREATED_ON_FIRST_CALL

    def __init__(self, config, blobs_path, memcached=None):
        # Request details come from this server's own environment: the stubs never see the app's requests.
        from google.appengine.api import request_info
        self._request_data = request_info._local_request_info  # pylint: disable=protected-access
        self._config = config
        self._blobs_path = blobs_path
        self._memcached = memcached

    def app_identity_service(self):
        from google.appengine.api.app_identity import app_identity_stub
        return app_identity_stub.AppIdentityServiceStub.Create(email_address=None, private_key_path=None,
                                                               oauth_url=None)

    def blobstore(self):
        from google.appengine.api.blobstore import blobstore_stub
        from google.appengine.api.blobstore import file_blob_storage
        storage = file_blob_storage.FileBlobStorage(self._blobs_path, self._config.app_id)
        return blobstore_stub.BlobstoreServiceStub(storage, request_data=self._request_data,
                                                   storage_dir=self._blobs_path, app_id=self._config.app_id)

    def capability_service(self):
        from google.appengine.api.capabilities import capability_stub
        return capability_stub.CapabilityServiceStub()

    def channel(self):
        from google.appengine.api.channel import channel_service_stub
        return channel_service_stub.ChannelServiceStub(request_data=self._request_data)

    def datastore_v3(self):
        """SQLite in the storage path, or Cloud Datastore when configured."""
        config = self._config
        if config.cloud_datastore is not None:
            from python_compat.apiserver.datastore import cloud
            return cloud.create_stub(config.app_id, config.cloud_datastore)
        return sqlite_datastore(config.app_id, os.path.join(config.storage_path, DATASTORE_FILE), config.app_root,
                                config.datastore_consistency)

    def datastore_v4(self):
        from google.appengine.datastore import datastore_v4_stub
        return datastore_v4_stub.DatastoreV4Stub(self._config.app_id)

    def images(self):
        host_prefix = 'http://%s' % self._config.default_http_server
        try:
            from google.appengine.api.images import images_stub
        except ImportError:  # no PIL: most calls raise NotImplementedError, as on dev_appserver
            from google.appengine.api.images import images_not_implemented_stub
            return images_not_implemented_stub.ImagesNotImplementedServiceStub(host_prefix=host_prefix)
        return images_stub.ImagesServiceStub(host_prefix=host_prefix)

    def logservice(self):
        from google.appengine.api.logservice import logservice_stub
        return logservice_stub.LogServiceStub(logs_path=os.path.join(self._config.storage_path, LOGS_FILE))

    def mail(self):
        from python_compat.apiserver.mail import mail_service
        return mail_service.MailService(self._config.mail_relay, self._config.admin_email_recipients)

    def memcache(self):
        if self._memcached is not None:
            from python_compat.apiserver.memcache import memcached_stub
            return memcached_stub.MemcachedServiceStub(self._memcached)
        if self._config.memcache_store is not None:
            from python_compat.apiserver.memcache import shared_stub
            return shared_stub.stub_for(self._config.memcache_store, self._config.memcache_max_bytes)
        from google.appengine.api.memcache import memcache_stub
        return memcache_stub.MemcacheServiceStub()

    def modules(self):
        from google.appengine.api.modules import modules_stub
        return modules_stub.ModulesServiceStub(self._request_data)

    def remote_socket(self):
        from google.appengine.api.remote_socket import _remote_socket_stub
        return _remote_socket_stub.RemoteSocketServiceStub()

    def search(self):
        from google.appengine.api.search import simple_search_stub
        return simple_search_stub.SearchServiceStub(
            index_file=os.path.join(self._config.storage_path, SEARCH_INDEXES_FILE))

    def system(self):
        from google.appengine.api.system import system_stub
        return system_stub.SystemServiceStub(request_data=self._request_data)

    def taskqueue(self):
        from python_compat.apiserver.tasks import queue_stub
        # The stub only stores push tasks; python_compat.apiserver.tasks.task_service runs them against the app.
        stub = queue_stub.TaskQueueStub(root_path=self._config.app_root, auto_task_running=False,
                                                   default_http_server=self._config.default_http_server,
                                                   request_data=self._request_data)
        stub.StartBackgroundExecution()
        return stub

    def urlfetch(self):
        from google.appengine.api import urlfetch_stub
        return urlfetch_stub.URLFetchServiceStub()

    def user(self):
        return user_service(self._request_data)

    def xmpp(self):
        from google.appengine.api.xmpp import xmpp_service_stub
        return xmpp_service_stub.XmppServiceStub()


def sqlite_datastore(app_id, path, app_root, consistency='consistent'):
    """The SQLite datastore's stub on the file at `path`, as the API server and the app's workers make it."""
    from python_compat import yaml_import
    yaml_import.import_yaml()  # which the SDK's stub imports: quickly, and in a tenth of the memory
    from google.appengine.datastore import datastore_stub_util
    from python_compat.apiserver.datastore import sqlite_stub
    return sqlite_stub.SqliteDatastoreStub(
        app_id, path, require_indexes=False,
        # Trusted: the datastore accepts keys of this app written with any partition prefix (`myapp`,
        # `dev~myapp`, `s~myapp`) and stores each exactly as written, so encoded keys round-trip.
        trusted=True, root_path=app_root, auto_id_policy=datastore_stub_util.SCATTERED,
        consistency_policy=sqlite_stub.CONSISTENCY_POLICIES[consistency]())


def user_service(request_data):
    """The `user` service's stub, as the API server and the app's processes make it; `request_data` gives the URL
    of the request a relative continue URL is completed with (the SDK's request_info interface)."""
    from google.appengine.api import user_service_stub
    stub = user_service_stub.UserServiceStub(
        login_url='/_ah/login?continue=%s',
        # Both answered by the development sign-in page (IDENTITY_SOURCE=dev-login), as on dev_appserver.
        logout_url='/_ah/login?continue=%s&action=logout', request_data=request_data)
    # The SDK's user stub answers every OAuth call with a fixed test user (example@example.com), so any
    # request would pass an app's OAuth check. No OAuth token is verified here: every call fails as App
    # Engine failed a request without a valid token (oauth.OAuthRequestError).
    stub.SetOAuthUser(email=None)
    return stub
