"""App containers in the host's network namespace, for tests whose servers are host programs on 127.0.0.1 (Google's
emulators, memcached): a container reaches the host's loopback only that way. Everything the container listens on
(gunicorn, its embedded API server) binds 127.0.0.1 on free ports, so no traffic leaves loopback."""

import contextlib
import time

import requests

from cloud_datastore_emulator import free_port

START_TIMEOUT_SECONDS = 60


class HostApp(object):
    """A started app container and its base URL on 127.0.0.1; get/post assert a 200 (with the container's log)."""

    def __init__(self, container, port):
        self.container = container
        self.port = port
        self.url = 'http://127.0.0.1:%d' % port

    def get(self, path, **params):
        return self._checked(requests.get(self.url + path, params=params, timeout=30))

    def post(self, path, **params):
        return self._checked(requests.post(self.url + path, params=params, timeout=30))

    def _checked(self, reply):
        assert reply.status_code == 200, '%s %s\n%s' % (reply.status_code, reply.text[:500],
                                                         self.container.logs().decode()[-4000:])
        return reply


def wait_until_healthy(container, base_url):
    """Returns once `base_url`/_ah/health answers 200; fails with the container's log if it exits first or does
    not answer within START_TIMEOUT_SECONDS."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        container.reload()
        assert container.status != 'exited', container.logs().decode()[-3000:]
        try:
            if requests.get(base_url + '/_ah/health', timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        assert time.monotonic() < deadline, 'not healthy: %s' % container.logs().decode()[-3000:]
        time.sleep(0.2)


@contextlib.contextmanager
def app_on_host_network(docker_client, image, environment):
    """The app container in the host's network namespace, gunicorn (one worker) and its API server on 127.0.0.1."""
    port, api_port = free_port(), free_port()
    environment = dict(environment, PORT=str(port), API_PORT=str(api_port), LOG_FORMAT='text',
                       GUNICORN_CMD_ARGS='--bind 127.0.0.1:%d --workers 1' % port)
    container = docker_client.containers.run(image, detach=True, network_mode='host', environment=environment)
    app = HostApp(container, port)
    try:
        wait_until_healthy(container, app.url)
        yield app
    finally:
        container.remove(force=True)
