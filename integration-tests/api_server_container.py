"""An API-server-only container of the runtime image, for tests of several app containers (or a Python 3
client) sharing one API server. It listens beyond loopback, so it authenticates its callers: every client gets
API_SERVER_SECRET."""

import contextlib
import time
import uuid

import requests

API_PORT = 10001
# What every caller of a test's API server container signs its calls with (an app container's API_SERVER_SECRET).
API_SERVER_SECRET = 'test-api-server-secret-' + uuid.uuid4().hex


@contextlib.contextmanager
def api_server_container(docker_client, runtime_image, network, app_id, environment=None, name=None):
    """An API-server-only container on `network` (reachable there by its name) and on 127.0.0.1, requiring calls
    signed with API_SERVER_SECRET; `environment` adds variables."""
    container = docker_client.containers.run(
        runtime_image, ['api-server', '--app-id', app_id, '--host', '0.0.0.0', '--port', str(API_PORT)],
        name=name or 'api-' + uuid.uuid4().hex[:12], detach=True, network=network.name,
        environment=dict({'API_SERVER_SECRET': API_SERVER_SECRET}, **(environment or {})),
        ports={'%d/tcp' % API_PORT: ('127.0.0.1', None)})
    try:
        container.reload()
        url = 'http://127.0.0.1:%s' % container.ports['%d/tcp' % API_PORT][0]['HostPort']
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(url + '/_ah/health', timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, container.logs().decode()[-3000:]
            time.sleep(0.1)
        yield container
    finally:
        container.remove(force=True)
