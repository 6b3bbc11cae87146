"""The API server's settings, from arguments or from the command line."""

import argparse
import os
import tempfile

from python_compat.apiserver import caller_auth
from python_compat.apiserver.mail import settings as mail_settings
from python_compat.apiserver.datastore.cloud import settings as cloud_datastore_settings
from python_compat.config import types
from python_compat.config import variables
from python_compat.errors import StartupError

DEFAULT_HOST = '127.0.0.1'
DEFAULT_PORT = int(variables.DEFAULT_API_PORT)
DEFAULT_STORAGE_PATH = variables.DEFAULT_STORAGE_PATH
# dev_appserver's partition: what an app id without one gets, as the SDK's own API server does.
DEFAULT_PARTITION = 'dev'
CONSISTENCY_CHOICES = ('consistent', 'time', 'random')
DEFAULT_UPLOAD_MAX_BYTES = types.byte_size(variables.DEFAULT_UPLOAD_MAX_BYTES)
DEFAULT_UPLOADS_IN_FLIGHT_MAX_BYTES = types.byte_size(variables.DEFAULT_UPLOADS_IN_FLIGHT_MAX_BYTES)
DEFAULT_MEMCACHE_MAX_BYTES = types.byte_size(variables.DEFAULT_MEMCACHE_MAX_BYTES)


def full_app_id(app_id):
    """`app_id` with a partition prefix: `myapp` -> `dev~myapp`; `s~myapp` stays as it is."""
    return app_id if '~' in app_id else '%s~%s' % (DEFAULT_PARTITION, app_id)


class ApiServerConfig(object):
    """Where the API server listens, whose data it serves and where that data lives.

    app_id: the application id the apps use as APPLICATION_ID (a bare id gets the `dev~` partition).
    storage_path: directory for the datastore, blobs, search indexes and logs; a volume for durability.
    app_root: optional app directory, for its queue.yaml (task queues) and index.yaml.
    datastore_consistency: `consistent` (writes visible to all queries at once), or `time`/`random`
        to simulate eventual consistency of non-ancestor queries as dev_appserver does.
    mail_relay: a mail.smtp_relay.SmtpRelay that mail is sent through; None: mail is only logged.
    admin_email_recipients: the addresses send_mail_to_admins delivers to.
    default_http_server: host:port of the app, for URLs the stubs build (image serving URLs, task targets).
    task_target_url: where push tasks are sent (the app's base URL); None: tasks are stored, not run.
    memcache_servers: [(host, port)] of memcached servers that serve the memcache API; empty: memcache_store.
    memcache_store: the SQLite file of the container's memcache (memcache/shared_store.py), which the app's
        workers open too; None (and no memcache_servers): the SDK's stub, in this process only.
    memcache_max_bytes: what the memcache_store holds at most, keys plus values.
    api_server_secret: API_SERVER_SECRET, which every call must be signed with; None: calls are not
        authenticated, which only a server listening on loopback may do.
    runtime_patches: serve with the speed-ups of gevent's HTTP code (apiserver/patches/); off for benchmarks.
    cloud_datastore: CloudDatastoreSettings to serve the datastore from Cloud Datastore; None: SQLite.
    unix_socket: path of a Unix socket to serve framed calls on as well (wire/framed_calls.py); None: HTTP only.
    upload_max_bytes: the largest request body of one blobstore upload.
    uploads_in_flight_max_bytes: what the bodies of all blobstore uploads being received may hold at once.
    """

    def __init__(self, app_id, storage_path=DEFAULT_STORAGE_PATH, host=DEFAULT_HOST, port=DEFAULT_PORT,
                 app_root=None, datastore_consistency='consistent', mail_relay=None, admin_email_recipients=(),
                 default_http_server='localhost:8080', task_target_url=None, memcache_servers=(),
                 runtime_patches=True, api_server_secret=None, cloud_datastore=None,
                 upload_max_bytes=DEFAULT_UPLOAD_MAX_BYTES,
                 uploads_in_flight_max_bytes=DEFAULT_UPLOADS_IN_FLIGHT_MAX_BYTES, unix_socket=None,
                 memcache_store=None, memcache_max_bytes=DEFAULT_MEMCACHE_MAX_BYTES):
        if datastore_consistency not in CONSISTENCY_CHOICES:
            raise ValueError('datastore_consistency must be one of %s, not %r'
                             % (', '.join(CONSISTENCY_CHOICES), datastore_consistency))
        self.app_id = full_app_id(app_id)
        self.storage_path = storage_path
        self.host = host
        self.port = port
        self.app_root = app_root
        self.datastore_consistency = datastore_consistency
        self.mail_relay = mail_relay
        self.admin_email_recipients = frozenset(admin_email_recipients)
        self.default_http_server = default_http_server
        self.memcache_servers = list(memcache_servers)
        self.memcache_store = memcache_store
        self.memcache_max_bytes = memcache_max_bytes
        self.task_target_url = task_target_url
        self.runtime_patches = runtime_patches
        self.api_server_secret = api_server_secret
        self.cloud_datastore = cloud_datastore
        self.unix_socket = unix_socket
        self.upload_max_bytes = upload_max_bytes
        self.uploads_in_flight_max_bytes = uploads_in_flight_max_bytes


def _port(value):
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError('expected a TCP port number (0-65535), got %r' % value)
    return port


def _memcache_servers(value):
    try:
        return types.host_port_list(variables.MEMCACHED_PORT)(value) if value.strip() else []
    except ValueError as error:
        raise argparse.ArgumentTypeError('%s (or $MEMCACHE_SERVERS): %s' % ('--memcache-servers', error))


def _check_task_target(parser, url, settings):
    """Push tasks are sent as the platform's own requests: the app must know the token they carry."""
    try:
        types.http_url(url)
    except ValueError as error:
        parser.error('--task-target-url / TASK_TARGET_URL: %s' % error)
    if not settings.internal_request_secret:
        parser.error('--task-target-url / TASK_TARGET_URL needs INTERNAL_REQUEST_SECRET, the same secret the app '
                     'containers have, or the app cannot tell tasks from client requests')


def parse_args(argv, settings=None):
    """An ApiServerConfig from command line arguments, with defaults from the API server's settings (read from
    the environment when not given); exits with a one-line usage error when they are wrong."""
    parser = argparse.ArgumentParser(
        prog='python -m python_compat.apiserver',
        description='Serves the App Engine APIs over the service-bridge protocol (POST /rpc_http).')
    parser.add_argument('--app-id', required=True, help='application id, e.g. myapp or s~myapp')
    parser.add_argument('--host', default=DEFAULT_HOST, help='address to listen on (default %(default)s)')
    if settings is None:
        from python_compat.config.settings import read_settings
        try:
            settings = read_settings(variables.API_SERVER)
        except StartupError as error:
            parser.error(error.line())
    parser.add_argument('--port', type=_port, default=settings.api_port,
                        help='port to listen on (default $API_PORT or %d)' % DEFAULT_PORT)
    parser.add_argument('--storage-path', default=DEFAULT_STORAGE_PATH,
                        help='directory for datastore, blobs, search indexes (default %(default)s)')
    parser.add_argument('--app-root', help='app directory holding queue.yaml and index.yaml')
    parser.add_argument('--datastore-consistency', choices=CONSISTENCY_CHOICES, default='consistent',
                        help='consistency of non-ancestor queries (default %(default)s)')
    parser.add_argument('--default-http-server', default='localhost:8080',
                        help='host:port of the app, for URLs the APIs build (default %(default)s)')
    parser.add_argument('--task-target-url', default=settings.task_target_url,
                        help='base URL of the app that push tasks are sent to, e.g. http://app:8080 '
                             '(default: $TASK_TARGET_URL; unset: tasks are stored, not run); '
                             'needs $INTERNAL_REQUEST_SECRET, shared with the app containers')
    parser.add_argument('--unix-socket', help='also serve framed calls on this Unix socket, for the app processes of '
                                              'the same container (wire/framed_calls.py)')
    parser.add_argument('--memcache-servers', type=_memcache_servers, default=settings.memcache_servers,
                        help='host:port,... of memcached servers that serve the memcache API '
                             '(default $MEMCACHE_SERVERS; unset: the SQLite file of --memcache-store)')
    parser.add_argument('--memcache-store',
                        help="SQLite file of the container's memcache, which the app's workers open too "
                             '(default: a file of its own in a new temporary directory; ignored with memcached)')
    args = parser.parse_args(argv)
    if not args.app_id.rpartition('~')[2]:
        parser.error('--app-id: expected an application id such as myapp or s~myapp, got %r' % args.app_id)
    if args.task_target_url:
        _check_task_target(parser, args.task_target_url, settings)
    if settings.uploads_in_flight_max_bytes < settings.upload_max_bytes:
        parser.error('UPLOADS_IN_FLIGHT_MAX_BYTES (%d) must be at least UPLOAD_MAX_BYTES (%d), or no upload could '
                     'reach its limit' % (settings.uploads_in_flight_max_bytes, settings.upload_max_bytes))
    if not caller_auth.is_loopback(args.host) and not settings.api_server_secret:
        parser.error('--host %s listens beyond this machine: set API_SERVER_SECRET (at least %d characters, e.g. '
                     '`openssl rand -hex 32`) here and on every app container, so that only they can make calls'
                     % (args.host, variables.MIN_SECRET_LENGTH))
    try:
        mail_relay = mail_settings.relay_from_settings(settings)
    except StartupError as error:
        parser.error(error.line())
    return ApiServerConfig(
        app_id=args.app_id, storage_path=args.storage_path, host=args.host, port=args.port,
        app_root=args.app_root, datastore_consistency=args.datastore_consistency, mail_relay=mail_relay,
        admin_email_recipients=settings.appengine_admin_email_recipients,
        default_http_server=args.default_http_server, task_target_url=args.task_target_url,
        memcache_servers=args.memcache_servers, runtime_patches=settings.runtime_patches,
        api_server_secret=settings.api_server_secret,
        cloud_datastore=cloud_datastore_settings.from_settings(settings), unix_socket=args.unix_socket,
        upload_max_bytes=settings.upload_max_bytes, uploads_in_flight_max_bytes=settings.uploads_in_flight_max_bytes,
        memcache_store=None if args.memcache_servers else (args.memcache_store or _private_memcache_store()),
        memcache_max_bytes=settings.memcache_max_bytes)


def _private_memcache_store():
    """A memcache file only this server opens (a standalone API server: its clients are in other containers)."""
    return os.path.join(tempfile.mkdtemp(prefix='python-compat-api-'), 'memcache.sqlite3')
