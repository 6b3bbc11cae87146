"""An API-server-only container of the runtime image, for tests of several app containers (or a Python 3
client) sharing one API server."""

import contextlib
import time
import uuid

import requests

API_PORT = 10001


@contextlib.contextmanager
def api_server_container(docker_client, runtime_image, network, app_id):
    """An API-server-only container on `network` (reachable there by its name) and on 127.0.0.1."""
    container = docker_client.containers.run(
        runtime_image, ['api-server', '--app-id', app_id, '--host', '0.0.0.0', '--port', str(API_PORT)],
        name='api-' + uuid.uuid4().hex[:12], detach=True, network=network.name,
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
