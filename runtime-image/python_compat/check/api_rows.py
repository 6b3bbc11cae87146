"""The `check` rows of the App Engine APIs an app imports: for each, how the API server (or the runtime) serves it.

Each API is named by the modules that reach it. A `google.appengine` module in none of them is "not checked":
this runtime does not claim anything about it.
"""

from python_compat.check import rows
from python_compat.check.rows import Row

DEFERRED_URL = '/_ah/queue/deferred'


class Api(object):
    """An App Engine API: its name, the module prefixes that use it, and how this runtime serves it."""

    def __init__(self, name, modules, status, detail, section):
        self.name = name
        self.modules = modules
        self.status = status
        self.detail = detail
        self.section = section

    def used_by(self, module):
        return any(module == prefix or module.startswith(prefix + '.') for prefix in self.modules)


APIS = (
    Api('datastore', ('google.appengine.ext.ndb', 'google.appengine.ext.db', 'google.appengine.api.datastore',
                      'google.appengine.api.datastore_types', 'google.appengine.api.datastore_errors',
                      'google.appengine.datastore', 'google.appengine.ext.key_range', 'google.appengine.ext.gql'),
        rows.AS_ON_APP_ENGINE, "SQLite under API_STORAGE_PATH that the container's processes share (keep it on a "
        'volume), or Cloud Datastore with DATASTORE_BACKEND=cloud-datastore', rows.APIS),
    Api('memcache', ('google.appengine.api.memcache',), rows.AS_ON_APP_ENGINE,
        "in a file the container's processes share (MEMCACHE_MAX_BYTES), or memcached with MEMCACHE_SERVERS",
        rows.APIS),
    Api('task queues', ('google.appengine.api.taskqueue', 'google.appengine.api.labs.taskqueue'),
        rows.AS_ON_APP_ENGINE, 'push tasks are sent to this app in the namespace they were added in; pull queues work',
        rows.TASKS),
    Api('deferred', ('google.appengine.ext.deferred',), rows.AS_ON_APP_ENGINE,
        'its tasks reach %s as the platform\'s' % DEFERRED_URL, rows.TASKS),
    Api('namespaces', ('google.appengine.api.namespace_manager',), rows.AS_ON_APP_ENGINE, '', rows.APIS),
    Api('users', ('google.appengine.api.users',), rows.needs('IDENTITY_SOURCE'),
        'people are anonymous until an identity source signs them in', rows.IDENTITY),
    Api('OAuth', ('google.appengine.api.oauth',), rows.NOT_SUPPORTED,
        'no OAuth token is verified: every call raises OAuthRequestError, as for a request without a token',
        rows.UNSUPPORTED),
    Api('mail', ('google.appengine.api.mail',),
        rows.needs('APPENGINE_USE_SMTP_MAIL_SERVICE=true and APPENGINE_SMTP_HOST'),
        'the API server then sends mail through that SMTP server; without them it only logs it', rows.VARIABLES),
    Api('URL fetch', ('google.appengine.api.urlfetch',), rows.AS_ON_APP_ENGINE, 'requests leave from the API server',
        rows.APIS),
    Api('images', ('google.appengine.api.images',), rows.AS_ON_APP_ENGINE, "the SDK's images stub (Pillow)",
        rows.APIS),
    Api('blobstore', ('google.appengine.api.blobstore', 'google.appengine.ext.blobstore'), rows.AS_ON_APP_ENGINE,
        'blobs under API_STORAGE_PATH; upload URLs never expire', rows.APIS),
    Api('search', ('google.appengine.api.search',), rows.AS_ON_APP_ENGINE,
        "the SDK's search stub; indexes are saved on a clean shutdown", rows.APIS),
    Api('app identity', ('google.appengine.api.app_identity',), rows.needs('Application Default Credentials'),
        'app id and hostname as on App Engine; real access tokens and signatures need credentials the API server '
        'finds (GOOGLE_APPLICATION_CREDENTIALS, or the host\'s service account), else placeholders', rows.APIS),
    Api('capabilities', ('google.appengine.api.capabilities',), rows.AS_ON_APP_ENGINE, 'every service is enabled',
        rows.APIS),
    Api('modules', ('google.appengine.api.modules',), rows.AS_ON_APP_ENGINE,
        'this module and version, from the platform variables; other modules are not known here', rows.APIS),
    Api('webapp', ('google.appengine.ext.webapp',), rows.AS_ON_APP_ENGINE, '', rows.APP_YAML),
    Api('vendor', ('google.appengine.ext.vendor',), rows.AS_ON_APP_ENGINE, 'appengine_config runs before any handler',
        rows.APP_YAML),
    Api('runtime errors', ('google.appengine.runtime',), rows.AS_ON_APP_ENGINE, '', rows.APIS),
    Api('remote_api', ('google.appengine.ext.remote_api',), rows.needs('IDENTITY_SOURCE'),
        'its handler serves administrators only', rows.IDENTITY),
    Api('log service', ('google.appengine.api.logservice',), rows.NOT_SUPPORTED,
        'request logs go to stdout (see Logs); fetch() finds none', rows.UNSUPPORTED),
    Api('Channel', ('google.appengine.api.channel',), rows.NOT_SUPPORTED,
        'App Engine shut it down in 2017; no channel reaches a browser here', rows.UNSUPPORTED),
    Api('XMPP', ('google.appengine.api.xmpp',), rows.NOT_SUPPORTED, '', rows.UNSUPPORTED),
    Api('Files API', ('google.appengine.api.files',), rows.NOT_SUPPORTED, 'the deprecated Files API has no stub here',
        rows.UNSUPPORTED),
    Api('Cloud Storage client', ('google.appengine.ext.cloudstorage', 'cloudstorage'), rows.NOT_SUPPORTED,
        'it calls storage.googleapis.com with app identity tokens (production) or /_ah/gcs, which this runtime does '
        'not serve (development)', rows.UNSUPPORTED),
    Api('Cloud SQL (rdbms)', ('google.appengine.api.rdbms', 'google.storage.speckle'), rows.NOT_SUPPORTED,
        'connect with MySQLdb to the database host instead', rows.UNSUPPORTED),
    Api('background threads', ('google.appengine.api.background_thread',), rows.NOT_SUPPORTED,
        'use a plain thread', rows.UNSUPPORTED),
    Api('backends', ('google.appengine.api.backends',), rows.NOT_SUPPORTED, 'run each backend as its own container',
        rows.UNSUPPORTED),
    Api('Cloud Endpoints v1', ('endpoints', 'google.appengine.ext.endpoints'), rows.NOT_SUPPORTED,
        "it needs Google's API front end at /_ah/api", rows.UNSUPPORTED),
    Api('Conversion / Prospective Search', ('google.appengine.api.conversion',
                                            'google.appengine.api.prospective_search'), rows.NOT_SUPPORTED,
        'App Engine removed them', rows.UNSUPPORTED),
)
APP_ENGINE_PREFIX = 'google.appengine.'


def _files(modules, scan):
    files = sorted(set(path for module in modules for path in scan.modules[module]))
    shown = ', '.join(files[:2])
    return shown + (' +%d' % (len(files) - 2) if len(files) > 2 else '')


def api_rows(scan, handler_urls=()):
    """One row per API the scanned app uses (imports_scan.ScanResult), then one per other `google.appengine`
    module nobody claims; `handler_urls` (compiled url patterns of app.yaml) tell whether deferred can run."""
    found = []
    claimed = set()
    for api in APIS:
        modules = sorted(module for module in scan.modules if api.used_by(module))
        if not modules:
            continue
        claimed.update(modules)
        status, detail = api.status, api.detail
        if api.name == 'deferred' and not any(pattern.match(DEFERRED_URL) for pattern in handler_urls):
            status, detail = rows.WARNING, ('no handler for %s: add `builtins: - deferred: on` to app.yaml'
                                            % DEFERRED_URL)
        found.append(Row('API %s (%s)' % (api.name, _files(modules, scan)), status, detail, api.section))
    # `from google.appengine.api import memcache` also names google.appengine.api: only the longest names count.
    unclaimed = sorted(module for module in scan.modules
                       if module.startswith(APP_ENGINE_PREFIX) and module not in claimed
                       and not any(other.startswith(module + '.') for other in scan.modules))
    for module in unclaimed:
        found.append(Row('API %s (%s)' % (module, _files([module], scan)), rows.NOT_CHECKED,
                         "not in this runtime's table of App Engine APIs", rows.APIS))
    if scan.unparsable:
        found.append(Row('source: %s' % ', '.join(scan.unparsable[:3]), rows.WARNING,
                         'not Python 2.7: its imports were not checked', rows.APP_YAML))
    return found
