"""Shared fixtures for the integration tests: the Docker client, the images under test, fixture app images
built FROM the runtime image once per session, and containers published on 127.0.0.1 only."""

import contextlib
import os
import pathlib
import time
import uuid

import docker
import pytest
import requests

from fixture_images import build_fixture_image

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope='session')
def docker_client():
    client = docker.from_env(timeout=300)
    client.ping()
    return client


@pytest.fixture(scope='session')
def runtime_image():
    """The runtime image `make build` produced (the Makefile exports its name)."""
    return os.environ.get('RUNTIME_IMAGE', 'python-compat/runtime:latest')


@pytest.fixture(scope='module')
def bridge_network(docker_client):
    """A user-defined bridge network of the test's own, removed afterwards."""
    network = docker_client.networks.create('python-compat-test-' + uuid.uuid4().hex[:12], driver='bridge')
    yield network
    network.remove()


@pytest.fixture
def storage_volume_mount(docker_client):
    """A fresh named volume mounted where the embedded API server keeps its data; removed afterwards."""
    volume = docker_client.volumes.create('python-compat-test-api-' + uuid.uuid4().hex[:12])
    yield {volume.name: {'bind': '/var/lib/python-compat/api', 'mode': 'rw'}}
    volume.remove(force=True)


@pytest.fixture(scope='session')
def base_image():
    return os.environ.get('BASE_IMAGE', 'python-compat/base:latest')


@pytest.fixture(scope='session')
def app_image(docker_client, runtime_image):
    """app_image('behaviours') -> the tag of integration-tests/apps/behaviours built FROM the runtime image.
    Each fixture app is built once per session, with no network, like our own images."""
    built = {}

    def build(name):
        if name not in built:
            built[name] = build_fixture_image(docker_client, name, runtime_image)
        return built[name]

    yield build
    for tag in built.values():
        docker_client.images.remove(tag, force=True)


class RunningApp(object):
    """A started container and the base URL of its published port on 127.0.0.1."""

    def __init__(self, container, port):
        self.container = container
        self.url = 'http://127.0.0.1:%d' % port

    def get(self, path, **kwargs):
        kwargs.setdefault('timeout', 30)
        kwargs.setdefault('allow_redirects', False)
        return requests.get(self.url + path, **kwargs)

    def logs(self):
        return self.container.logs(stdout=True, stderr=False).decode()

    def processes(self):
        """[{'PID', 'PPID', 'COMMAND'}] of the container's processes (host pids)."""
        top = self.container.top(ps_args='-o pid,ppid,args')
        return [dict(zip(top['Titles'], row)) for row in top['Processes']]

    def worker_pids(self):
        """PIDs of the gunicorn workers: the children of the gunicorn master (`python -m python_compat.serving`),
        which the container's first process (the supervisor, `python -m python_compat serve`) starts next to the
        API server."""
        rows = self.processes()
        supervisors = [row['PID'] for row in rows if row['COMMAND'].endswith('-m python_compat serve')]
        masters = [row['PID'] for row in rows
                   if row['PPID'] in supervisors and 'python_compat.serving' in row['COMMAND']]
        return sorted(int(row['PID']) for row in rows if row['PPID'] in masters)

    def settled_worker_count(self, settle_seconds=1.5, timeout=20):
        """The number of workers once it has stopped changing (workers boot one after another)."""
        deadline = time.monotonic() + timeout
        count, stable_since = len(self.worker_pids()), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.2)
            now = len(self.worker_pids())
            if now != count:
                count, stable_since = now, time.monotonic()
            elif time.monotonic() - stable_since >= settle_seconds:
                break
        return count


def wait_until_serving(app, path='/_ah/health', timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        app.container.reload()
        if app.container.status == 'exited':
            raise AssertionError('container exited: %s' % app.container.logs().decode()[-3000:])
        try:
            if app.get(path, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise AssertionError('not serving %s within %d s' % (path, timeout))


@pytest.fixture(scope='session')
def start_app(docker_client):
    """start_app(image, environment=..., **run_kwargs) as a context manager yielding a RunningApp."""

    @contextlib.contextmanager
    def start(image, wait_path='/_ah/health', **run_kwargs):
        container = docker_client.containers.run(image, detach=True, ports={'8080/tcp': ('127.0.0.1', None)},
                                                 **run_kwargs)
        try:
            container.reload()
            port = int(container.ports['8080/tcp'][0]['HostPort'])
            app = RunningApp(container, port)
            if wait_path:
                wait_until_serving(app, wait_path)
            yield app
        finally:
            container.remove(force=True)

    return start
