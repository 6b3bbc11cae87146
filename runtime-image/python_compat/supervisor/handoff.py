"""What the supervisor tells its children, and nothing more.

- The gunicorn master (the app's process) gets the environment without the runtime's secrets, plus the sha256
  of each secret it must check (the internal-request token, PROXY_SECRET) and the status file's path, as the
  internal variables of config/variables.py.
- The API server gets the secrets it must use on its standard input, as one JSON object of variables, never in
  its environment or command line (both readable by the app's uid in /proc).
"""

import hashlib
import json

SECRETS_ON_STDIN_FLAG = '--secrets-on-stdin'


def app_environment(environ, settings, token_sha256, status_path):
    """The gunicorn master's environment: `environ` (the settings already removed the secrets and the API
    server's own variables) and the handoff."""
    handed = dict(environ, INTERNAL_TOKEN_SHA256=token_sha256, CONTAINER_STATUS_FILE=status_path)
    if settings.proxy_secret:
        handed['PROXY_SECRET_SHA256'] = hashlib.sha256(settings.proxy_secret).hexdigest()
    return handed


def api_server_secrets(token):
    """The JSON line the API server reads on stdin."""
    return json.dumps({'INTERNAL_REQUEST_SECRET': token})


def read_secrets(stream):
    """{variable: value} of the secrets handed on `stream` (the API server's stdin), which is closed after."""
    try:
        return dict((str(name), str(value)) for name, value in json.loads(stream.read() or '{}').items())
    finally:
        stream.close()
