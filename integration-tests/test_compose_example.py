"""The documented compose example (examples/compose/) works as its README says, with Debian's docker-compose: two
app replicas share one API server that requires their signed calls. Run without memcached, whose image this
project cannot pull (the README's `MEMCACHE_SERVERS=` variant); ports and the app image's name are the test's own.
"""

import os
import shutil
import subprocess
import time
import uuid

import pytest
import requests

from conftest import REPO_ROOT
from fixture_images import fixture_tag
from test_memcached_backend import free_port

COMPOSE_DIR = REPO_ROOT / 'examples' / 'compose'
UP_TIMEOUT_SECONDS = 600


@pytest.fixture
def compose_project(docker_client, runtime_image):
    """`docker-compose` for a project of the test's own; yields (run(args...), app1 URL, app2 URL)."""
    compose = shutil.which('docker-compose')
    if compose is None:
        pytest.skip('docker-compose is not installed (scripts/install-test-tools.sh installs it)')
    ports = free_port(), free_port()
    app_image = fixture_tag('compose-app', runtime_image)
    environment = dict(os.environ, COMPOSE_PROJECT_NAME='pc-compose-' + uuid.uuid4().hex[:10],
                       RUNTIME_IMAGE=runtime_image, APP_IMAGE=app_image, MEMCACHE_SERVERS='',
                       API_SERVER_SECRET=uuid.uuid4().hex + uuid.uuid4().hex, APP1_PORT=str(ports[0]),
                       APP2_PORT=str(ports[1]))

    def run(*args, timeout=120):
        return subprocess.run([compose, *args], cwd=COMPOSE_DIR, env=environment, capture_output=True, text=True,
                              timeout=timeout)

    try:
        yield run, 'http://127.0.0.1:%d' % ports[0], 'http://127.0.0.1:%d' % ports[1]
    finally:
        run('down', '--volumes', '--timeout', '5')
        try:
            docker_client.images.remove(app_image, force=True)
        except Exception:  # pylint: disable=broad-except  (never built when `up` failed early)
            pass


def wait_for_json(url, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        try:
            response = requests.get(url, timeout=5)
            if response.status_code == 200:
                return response.json()
        except requests.ConnectionError:
            pass
        assert time.monotonic() < deadline, 'no answer from %s' % url
        time.sleep(0.5)


def test_two_replicas_share_one_authenticating_api_server(compose_project):
    run, app1, app2 = compose_project

    started = run('up', '-d', '--build', '--no-deps', 'app1', 'app2', 'api', timeout=UP_TIMEOUT_SECONDS)
    assert started.returncode == 0, started.stderr[-3000:]
    name = uuid.uuid4().hex[:8]
    first = wait_for_json(app1 + '/?name=' + name)
    second = wait_for_json(app2 + '/?name=' + name)

    assert (first['visits'], second['visits']) == (1, 2)
    assert second['first_served_by'] == first['served_by'] != second['served_by']
    api_log = run('logs', 'api').stdout
    assert 'calls must be signed with API_SERVER_SECRET' in api_log
    assert 'unauthenticated' not in api_log


def test_without_a_secret_compose_says_what_to_set(compose_project):
    run, _, _ = compose_project

    refused = subprocess.run(['docker-compose', 'config'], cwd=COMPOSE_DIR, capture_output=True, text=True,
                             env={key: value for key, value in os.environ.items() if key != 'API_SERVER_SECRET'},
                             timeout=60)

    assert refused.returncode != 0
    assert 'export API_SERVER_SECRET first' in refused.stderr
