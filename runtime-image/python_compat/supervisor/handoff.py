"""What the supervisor tells its children, and nothing more.

- The gunicorn master (the app's process) gets the environment without the runtime's secrets, plus the sha256
  of each secret it must only check (the internal-request token, PROXY_SECRET) and the status file's path, as
  the internal variables of config/variables.py; on its standard input, the one secret it must use itself:
  API_SERVER_SECRET, which its API client signs calls with.
- The API server gets the secrets it must use on its standard input. The supervisor starts it when the gunicorn
  master asks (START_API_SERVER_SIGNAL), so the app is loaded first on a container's share of the CPU: once the
  app is imported, or as soon as its import makes an API call.
Secrets travel on stdin as one JSON object of variables, never in an environment or a command line (both
readable by the app's uid in /proc, unless the process is non-dumpable).
"""

import collections
import hashlib
import json
import os
import signal

from python_compat.apiserver import stub_factories
from python_compat.config import variables

SECRETS_ON_STDIN_FLAG = '--secrets-on-stdin'
# The API server's exit status when it refuses its configuration (EX_CONFIG), and argparse's for a usage error:
# restarting it would not help, so the container stops.
CONFIGURATION_ERROR_EXIT_STATUS = 78
CONFIGURATION_ERROR_EXIT_STATUSES = (2, CONFIGURATION_ERROR_EXIT_STATUS)


START_API_SERVER_SIGNAL = signal.SIGUSR1


# The files of the container's own API server in the supervisor's private runtime directory.
API_UNIX_SOCKET_FILE = 'api.sock'
MEMCACHE_STORE_FILE = 'memcache.sqlite3'

OwnApiServerFiles = collections.namedtuple('OwnApiServerFiles', 'unix_socket memcache_store datastore_file')


def own_api_server_files(settings, runtime_dir):
    """Where the app's processes reach the container's own API server, each None where they do not: its Unix
    socket; the memcache file each process opens to serve memcache calls itself (not with MEMCACHE_SERVERS); the
    SQLite datastore file each makes its datastore calls on (not with Cloud Datastore). All None with API_HOST: no
    API server of its own."""
    if settings.api_host is not None:
        return OwnApiServerFiles(None, None, None)
    api_server = settings.api_server_values
    memcache_store = None if api_server['memcache_servers'] else os.path.join(runtime_dir, MEMCACHE_STORE_FILE)
    # The API server the supervisor starts keeps the default `consistent` policy, which stores every commit before
    # it returns, as the workers' stubs and their lock-free Gets need.
    datastore_file = (os.path.join(settings.api_storage_path, stub_factories.DATASTORE_FILE)
                      if api_server['datastore_backend'] == 'sqlite' else None)
    return OwnApiServerFiles(os.path.join(runtime_dir, API_UNIX_SOCKET_FILE), memcache_store, datastore_file)


def app_environment(environ, settings, token_sha256, status_path, api_unix_socket=None, memcache_store=None,
                    datastore_file=None):
    """The gunicorn master's environment: `environ` (the settings already removed the secrets and the API
    server's own variables) and the handoff."""
    handed = dict(environ, INTERNAL_TOKEN_SHA256=token_sha256, CONTAINER_STATUS_FILE=status_path)
    if api_unix_socket:
        handed['API_UNIX_SOCKET'] = api_unix_socket
        handed['API_SERVER_STARTER_PID'] = str(os.getpid())
    if memcache_store:
        handed['MEMCACHE_STORE'] = memcache_store
    if datastore_file:
        handed['DATASTORE_FILE'] = datastore_file
    if settings.proxy_secret:
        handed['PROXY_SECRET_SHA256'] = hashlib.sha256(settings.proxy_secret).hexdigest()
    return handed


def app_secrets(settings):
    """The JSON the gunicorn master reads on stdin."""
    return _secrets(API_SERVER_SECRET=settings.api_server_secret)


def api_server_secrets(token, settings, api_server_environment):
    """The JSON the API server reads on stdin: the token it sends push tasks with, API_SERVER_SECRET, and the API
    server's own secret variables (e.g. APPENGINE_SMTP_PASSWORD) from `api_server_environment`."""
    secrets = dict((name, value) for name, value in api_server_environment.items() if variables.BY_NAME[name].secret)
    return _secrets(INTERNAL_REQUEST_SECRET=token, API_SERVER_SECRET=settings.api_server_secret, **secrets)


def without_secrets(api_server_environment):
    """The API server's own variables that may go in its environment."""
    return dict((name, value) for name, value in api_server_environment.items()
                if not variables.BY_NAME[name].secret)


def _secrets(**values):
    return json.dumps(dict((name, value) for name, value in values.items() if value))


def read_secrets(stream):
    """{variable: value} of the secrets handed on `stream` (the API server's stdin), which is closed after."""
    try:
        return dict((str(name), str(value)) for name, value in json.loads(stream.read() or '{}').items())
    finally:
        stream.close()


class ApiServerStarter(object):
    """The gunicorn master's side: asks the supervisor (API_SERVER_STARTER_PID) once to start the API server."""

    def __init__(self, supervisor_pid):
        self._supervisor_pid = supervisor_pid

    def __call__(self):
        if self._supervisor_pid is None:
            return
        supervisor_pid, self._supervisor_pid = self._supervisor_pid, None
        try:
            os.kill(supervisor_pid, START_API_SERVER_SIGNAL)
        except OSError:  # gone: the container is stopping
            pass
