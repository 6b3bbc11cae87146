# -*- coding: utf-8 -*-
"""Every environment variable the runtime reads: name, how it is parsed and checked, its default, what it does.

This table is the only place a variable is named. `settings.read_settings` reads the ones a process needs, once,
at start-up; the README's variable table is generated from it (`python -m python_compat.config.readme_table`),
and `print-config` lists each with its value and whether it came from the environment or the default.
"""

from python_compat.config import types

# Which process reads a variable: the serving container (gunicorn master and workers) or the API server (embedded
# in the serving container, or a container of its own).
APP = 'app'
API_SERVER = 'api-server'
BOTH = (APP, API_SERVER)

DEFAULT_API_PORT = '10001'
# The port Google's Python 3 SDK sends SMTP mail to when APPENGINE_SMTP_PORT is unset (submission).
DEFAULT_SMTP_PORT = '587'
DEFAULT_STORAGE_PATH = '/var/lib/python-compat/api'
IAP_PUBLIC_KEYS_URL = 'https://www.gstatic.com/iap/verify/public_key-jwk'
LOG_LEVELS = ('DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL')
IDENTITY_SOURCES = ('none', 'iap', 'proxy', 'dev-login')
DATASTORE_BACKENDS = ('sqlite', 'cloud-datastore')
MIN_SECRET_LENGTH = 32
MEMCACHED_PORT = 11211
DEFAULT_UPLOAD_MAX_BYTES = '256M'
DEFAULT_MEMCACHE_MAX_BYTES = '64M'
DEFAULT_UPLOADS_IN_FLIGHT_MAX_BYTES = '512M'


class Variable(object):
    """One environment variable.

    parse: turns the text into the value (types.*), raising ValueError that says what was expected.
    default: the text used when the variable is unset (None: unset stays None).
    default_doc: the default as the README shows it (defaults to `default` in backticks).
    secret: removed from os.environ once read, never printed.
    internal: set by the runtime itself for its own processes (the supervisor's handoff), not by operators; not
        in the README.
    removed: removed from os.environ once read (secrets are): the SDK would act on it in this process too.
    """

    def __init__(self, name, parse, default, doc, default_doc=None, read_by=(APP,), secret=False, internal=False,
                 removed=False):
        self.name = name
        self.parse = parse
        self.default = default
        self.doc = doc
        self.default_doc = default_doc if default_doc is not None else (
            '`%s`' % default if default not in (None, '') else '—')
        self.read_by = read_by if isinstance(read_by, tuple) else (read_by,)
        self.secret = secret
        self.internal = internal
        self.removed = removed or secret

    @property
    def attribute(self):
        """The Settings attribute holding the value: the name in lower case."""
        return self.name.lower()


VARIABLES = (
    # Serving
    Variable('PORT', types.port, '8080', 'port gunicorn binds on `0.0.0.0` (Cloud Run and Flexible set it)'),
    Variable('APP_ROOT', types.text, '/app', 'directory holding `app.yaml`'),
    Variable('WEB_CONCURRENCY', types.positive_int, None, 'gunicorn workers',
             default_doc='CPUs the container may use'),
    Variable('GUNICORN_CMD_ARGS', types.text, '', 'any gunicorn option; wins over everything else'),
    Variable('LOG_FORMAT', types.choice('json', 'text'), 'json',
             '`json`: one structured entry per line (Flexible / Cloud Run); `text`: plain lines for local runs',
             read_by=BOTH),
    Variable('LOG_LEVEL', types.choice(*LOG_LEVELS, upper=True), 'DEBUG',
             "the root logger's starting level (the app may change it; it is never forced)"),
    Variable('TZ', types.text, 'UTC',
             "the processes' time zone: App Engine ran apps in UTC. Set, it also spares glibc a look at "
             '`/etc/localtime` on every local-time call', read_by=BOTH),
    Variable('TRUSTED_PROXIES', types.network_list, '',
             'comma-separated IPs/CIDRs whose `X-Forwarded-For` / `X-Forwarded-Proto` are believed',
             default_doc='none'),
    Variable('HEALTH_CHECK_PATH', types.url_path, '/_ah/health', 'the legacy health-check path'),
    Variable('STRICT_STARTUP', types.flag, 'false',
             '`true` stops the container at start-up on what App Engine only found when a request arrived (a '
             'script that cannot be imported, a missing `error_handlers` file or `static_dir`) instead of a '
             'warning: for app owners\' CI'),
    Variable('NDB_DEBUG', types.flag, '0',
             "`1` turns ndb's debugging aids back on: every future records the stack that created it (a tenth of "
             "a small ndb request's CPU). Its argument checks stay on either way"),
    # The python27 request environment
    Variable('APPLICATION_ID', types.optional_text, None,
             'full `partition~appid`; set it when several containers must share data',
             default_doc='from the platform'),
    Variable('DEVELOPMENT_MODE', types.flag, 'false',
             '`true` serves as dev_appserver did, for local runs (`make run` sets it): `SERVER_SOFTWARE` says '
             '`Development/…`, so apps turn on their debug behaviour, and the development sign-in page '
             '(`IDENTITY_SOURCE=dev-login`) is the default identity source and allowed at all. Never in production'),
    Variable('SERVER_SOFTWARE', types.optional_text, None,
             'what apps branch on: `Google App Engine/` means production, `Development/` a local server',
             default_doc='`Google App Engine/1.9.88`; `Development/1.9.88 python-compat` with `DEVELOPMENT_MODE`'),
    Variable('AUTH_DOMAIN', types.text, 'gmail.com', 'python27 request variable `AUTH_DOMAIN`'),
    Variable('DATACENTER', types.text, 'container', 'python27 request variable `DATACENTER`'),
    Variable('DEFAULT_VERSION_HOSTNAME', types.optional_text, None,
             'python27 request variable `DEFAULT_VERSION_HOSTNAME`',
             default_doc='`PROJECT.appspot.com` on Google hosts, else `localhost:PORT`'),
    # Set by today's Google hosts, mapped onto the python27 names
    Variable('GAE_SERVICE', types.optional_text, None, 'set by App Engine Flexible: `CURRENT_MODULE_ID`'),
    Variable('GAE_VERSION', types.optional_text, None, 'set by App Engine Flexible: `CURRENT_VERSION_ID` (major)'),
    Variable('GAE_INSTANCE', types.optional_text, None, 'set by App Engine Flexible: `INSTANCE_ID`',
             default_doc='the host name'),
    Variable('GAE_APPLICATION', types.optional_text, None,
             'set by App Engine Flexible: `APPLICATION_ID` (`s~project`)'),
    Variable('GAE_DEPLOYMENT_ID', types.optional_text, None,
             'set by App Engine Flexible: `CURRENT_VERSION_ID` (minor)'),
    Variable('GOOGLE_CLOUD_PROJECT', types.optional_text, None,
             'set by App Engine Flexible: the project, for `APPLICATION_ID` and log traces'),
    Variable('GCLOUD_PROJECT', types.optional_text, None, 'older name of `GOOGLE_CLOUD_PROJECT`'),
    Variable('K_SERVICE', types.optional_text, None, 'set by Cloud Run: `CURRENT_MODULE_ID`'),
    Variable('K_REVISION', types.optional_text, None, 'set by Cloud Run: `CURRENT_VERSION_ID` (major)'),
    # App Engine APIs
    Variable('API_HOST', types.optional_text, None, 'host of an external API server (its own container)',
             default_doc='unset: an API server runs inside the container'),
    Variable('API_PORT', types.port, DEFAULT_API_PORT, 'port of the API server', read_by=BOTH),
    Variable('API_STORAGE_PATH', types.text, DEFAULT_STORAGE_PATH,
             'where the embedded API server keeps its data (mount a volume)'),
    Variable('MEMCACHE_SERVERS', types.host_port_list(MEMCACHED_PORT), '',
             '`host:port,…` of memcached servers that serve the memcache API (on the API server)',
             default_doc="unset: memcache is the container's own (`MEMCACHE_MAX_BYTES`)", read_by=API_SERVER),
    Variable('MEMCACHE_MAX_BYTES', types.byte_size, DEFAULT_MEMCACHE_MAX_BYTES,
             "what memcache holds at most, keys plus values (`512K`, `256M`, `1G`, …): beyond, the least recently "
             "used values are evicted. Without `MEMCACHE_SERVERS` memcache is a file in the container's temporary "
             'directory (memory on Cloud Run) that the workers and the API server share', read_by=BOTH),
    Variable('UPLOAD_MAX_BYTES', types.byte_size, DEFAULT_UPLOAD_MAX_BYTES,
             'the largest request body of one blobstore upload (`512K`, `1G`, …), and less when its '
             '`create_upload_url` sets `max_bytes_total`: 413 beyond, with nothing stored', read_by=API_SERVER),
    Variable('UPLOADS_IN_FLIGHT_MAX_BYTES', types.byte_size, DEFAULT_UPLOADS_IN_FLIGHT_MAX_BYTES,
             'what the bodies of all blobstore uploads being received may hold at once (on disk while they are '
             'stored): 503 beyond, try again; at least `UPLOAD_MAX_BYTES`', read_by=API_SERVER),
    Variable('API_SERVER_SECRET', types.secret(MIN_SECRET_LENGTH), None,
             '≥ 32 characters shared by the API server and every client: each call is signed with it (HMAC, '
             'never sent itself) and unsigned calls are refused. Required when the API server listens beyond '
             '127.0.0.1', default_doc='unset: calls are not authenticated (loopback only)', read_by=BOTH,
             secret=True),
    Variable('DEFAULT_TICKET', types.optional_text, None,
             'the API ticket of calls made outside a request (the Managed VM runtime\'s variable)',
             default_doc='a fixed placeholder'),
    # Mail (the names of Google's Python 3 App Engine SDK): sent by the API server
    Variable('APPENGINE_USE_SMTP_MAIL_SERVICE', types.flag, 'false',
             '`true` sends the mail API\'s messages through the SMTP server below; `false` only logs them',
             read_by=API_SERVER),
    Variable('APPENGINE_SMTP_HOST', types.optional_text, None, 'the SMTP server (required with SMTP mail)',
             read_by=API_SERVER),
    Variable('APPENGINE_SMTP_PORT', types.port, DEFAULT_SMTP_PORT, 'its port', read_by=API_SERVER),
    Variable('APPENGINE_SMTP_USER', types.optional_text, None, 'user to log in as (no login when unset)',
             read_by=API_SERVER),
    Variable('APPENGINE_SMTP_PASSWORD', types.optional_text, None, 'its password', read_by=API_SERVER,
             secret=True),
    Variable('APPENGINE_SMTP_USE_TLS', types.flag, 'true',
             '`true` requires STARTTLS with a certificate valid for the host (system CAs, or `SSL_CERT_FILE`); '
             '`false` talks in clear text, for a relay on a private network', read_by=API_SERVER),
    Variable('APPENGINE_ADMIN_EMAIL_RECIPIENTS', types.email_list, '',
             'comma-separated addresses `send_mail_to_admins` delivers to', default_doc='none: it fails',
             read_by=API_SERVER),
    # The datastore backend (docs/cloud-datastore.md). All are removed from the API server's environment once read:
    # the SDK switches its datastore client to its own Cloud Datastore mode when it sees DATASTORE_PROJECT_ID.
    Variable('DATASTORE_BACKEND', types.choice(*DATASTORE_BACKENDS), 'sqlite',
             '`cloud-datastore` serves ndb/db from Cloud Datastore (Firestore in Datastore mode); `sqlite` keeps '
             'the datastore under the API server\'s storage path', read_by=API_SERVER, removed=True),
    Variable('DATASTORE_PROJECT_ID', types.project_id, None,
             'with `cloud-datastore`: the project whose database holds the data',
             default_doc='— (required with `cloud-datastore`)', read_by=API_SERVER, removed=True),
    Variable('DATASTORE_DATABASE_ID', types.database_id, '', 'with `cloud-datastore`: a named database',
             default_doc="the project's default database", read_by=API_SERVER, removed=True),
    Variable('DATASTORE_EMULATOR_HOST', types.optional_host_port, None,
             'with `cloud-datastore`: `host:port` of a Datastore emulator (plain HTTP, no credentials)',
             default_doc="Google's endpoint", read_by=API_SERVER, removed=True),
    Variable('DATASTORE_ADDITIONAL_APP_IDS', types.app_id_list, '',
             'with `cloud-datastore`: comma-separated app ids with their partition (`e~other-app`) that keys in '
             'the data name besides the app\'s own', read_by=API_SERVER, removed=True),
    Variable('DATASTORE_APP_ID', types.optional_text, None,
             "the SDK's own switch to Cloud Datastore inside the app's process: ignored and removed (use "
             '`DATASTORE_BACKEND`)', read_by=API_SERVER, removed=True),
    Variable('DATASTORE_USE_PROJECT_ID_AS_APP_ID', types.optional_text, None,
             "the SDK's own switch to Cloud Datastore inside the app's process: ignored and removed",
             read_by=API_SERVER, removed=True),
    # Identity
    Variable('IDENTITY_SOURCE', types.choice(*IDENTITY_SOURCES), 'none',
             'where signed-in users come from: `none`, `iap` (a verified IAP JWT), `proxy` (user headers from a '
             'trusted proxy), `dev-login` (a development sign-in page at `/_ah/login`; anyone can sign in as '
             'anyone, so only with `DEVELOPMENT_MODE=true`)',
             default_doc='`none`; `dev-login` with `DEVELOPMENT_MODE`'),
    Variable('IAP_AUDIENCE', types.optional_text, None,
             'the `aud` your IAP JWTs carry, e.g. `/projects/NUMBER/apps/PROJECT_ID`',
             default_doc='— (required with `iap`)'),
    Variable('IAP_JWKS', types.text, IAP_PUBLIC_KEYS_URL,
             "IAP's public keys: an https URL (fetched, refreshed hourly) or a JWK-set file"),
    Variable('PROXY_SECRET', types.optional_text, None,
             'with `proxy`: user headers count only on requests carrying this value in '
             '`X-Python-Compat-Proxy-Secret` (with `TRUSTED_PROXIES` when both are set; at least one is required); '
             "removed from the app's environment once read", secret=True),
    Variable('ADMIN_EMAILS', types.email_list, '',
             'comma-separated emails that are administrators when the identity source gives no admin flag'),
    # Tasks and cron
    Variable('CRON_ENABLED', types.flag, 'false',
             '`true` runs cron.yaml\'s jobs in this container: turn it on in exactly one replica'),
    Variable('INTERNAL_REQUEST_SECRET', types.secret(MIN_SECRET_LENGTH), None,
             '≥ 32 characters shared by app containers and an external API server, so the tasks it sends count '
             "as the platform's; removed from the app's environment once read",
             default_doc='a random token per container', read_by=BOTH, secret=True),
    Variable('TASK_TARGET_URL', types.http_url, None,
             "(API server containers) the app's base URL push tasks are sent to, e.g. `http://app:8080`; needs "
             '`INTERNAL_REQUEST_SECRET`', default_doc='embedded server: `http://127.0.0.1:$PORT`',
             read_by=API_SERVER),
    Variable('CRON_CLOCK_SPEEDUP', types.positive_number, '1', 'tests only: runs the cron clock N times faster'),
    Variable('RUNTIME_PATCHES', types.flag, 'on',
             "benchmarks only: `off` serves without the runtime's speed-ups of gunicorn's and gevent's HTTP code "
             '(`serving/patches/`, `apiserver/patches/`), to measure what they are worth', read_by=BOTH),
    # Handed by the supervisor to the gunicorn master (supervisor/handoff.py)
    Variable('INTERNAL_TOKEN_SHA256', types.optional_text, None,
             'the sha256 of the internal-request token, which only the supervisor and the API server hold',
             internal=True, secret=True),
    Variable('PROXY_SECRET_SHA256', types.optional_text, None, 'the sha256 of PROXY_SECRET', internal=True,
             secret=True),
    Variable('API_UNIX_SOCKET', types.optional_text, None,
             "the Unix socket of the container's own API server, for framed calls (wire/framed_calls.py)",
             internal=True),
    Variable('MEMCACHE_STORE', types.optional_text, None,
             "the container's memcache file (apiserver/memcache/shared_store.py), which the workers open to serve "
             'memcache calls themselves; unset with `MEMCACHE_SERVERS` or an external API server', internal=True),
    Variable('DATASTORE_FILE', types.optional_text, None,
             "the SQLite file of the container's datastore, on which the workers make their datastore calls "
             'themselves (apiclient/datastore_here.py); unset with `DATASTORE_BACKEND=cloud-datastore` or an external '
             'API server', internal=True),
    Variable('CONTAINER_STATUS_FILE', types.optional_text, None,
             "the file the supervisor keeps the API server's and warmup's state in, for the health checks",
             internal=True),
    Variable('API_SERVER_STARTER_PID', types.positive_int, '',
             "the supervisor's pid, which the gunicorn master signals to have the container's API server started: "
             'once the app is loaded, or at its first API call before that', internal=True),
    # The image
    Variable('PYTHON_COMPAT_VERSION', types.text, 'unknown', 'set by the image: the runtime version `version` prints',
             default_doc='the image tag'),
)

BY_NAME = dict((variable.name, variable) for variable in VARIABLES)
