"""`make push` against a real registry on 127.0.0.1, then a pull by digest under a fresh name."""

import os
import re
import socket
import subprocess
import time
import uuid

import pytest
import requests

from conftest import REPO_ROOT

REGISTRY_CONFIG = """\
version: 0.1
storage:
  filesystem:
    rootdirectory: {root}
http:
  addr: 127.0.0.1:{port}
"""


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture
def local_registry(tmp_path):
    """Debian's docker-registry (the CNCF distribution registry) serving on a loopback port."""
    port = free_port()
    config = tmp_path / 'config.yml'
    config.write_text(REGISTRY_CONFIG.format(root=tmp_path / 'storage', port=port))
    process = subprocess.Popen(['docker-registry', 'serve', str(config)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if requests.get('http://127.0.0.1:%d/v2/' % port, timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        else:
            pytest.fail('docker-registry did not answer on 127.0.0.1:%d' % port)
        yield '127.0.0.1:%d' % port
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_make_push_publishes_both_images_and_the_runtime_pulls_back_by_digest(local_registry, docker_client):
    namespace = local_registry + '/python-compat'
    tag = 'push-test'
    # Only our loopback registry may receive the push: no image name is inherited from the environment.
    environment = {key: value for key, value in os.environ.items()
                   if key not in ('BASE_IMAGE', 'RUNTIME_IMAGE', 'RUNTIME_TEST_IMAGE', 'DOCKER_NAMESPACE', 'TAG')}
    result = subprocess.run(['make', '--no-print-directory', 'push', 'DOCKER_NAMESPACE=' + namespace, 'TAG=' + tag],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=900, env=environment)
    assert not re.search(r'^(?!%s/)\S+@sha256:' % re.escape(namespace), result.stdout, re.MULTILINE)
    assert result.returncode == 0, result.stderr[-2000:]
    digests = dict(re.findall(r'^(\S+)@(sha256:[0-9a-f]{64})$', result.stdout, re.MULTILINE))
    assert set(digests) == {namespace + '/base', namespace + '/runtime'}

    pulled = docker_client.images.pull(namespace + '/runtime@' + digests[namespace + '/runtime'])
    fresh_name = 'python-compat-pulled/runtime:' + uuid.uuid4().hex[:12]
    pulled.tag(fresh_name)
    try:
        output = docker_client.containers.run(
            fresh_name, ['python', '-c', 'import google.appengine.ext.ndb, gunicorn; print("pulled ok")'],
            remove=True, network_mode='none')
        assert output.strip().endswith(b'pulled ok')
    finally:
        docker_client.images.remove(fresh_name, force=True)
        for name in (namespace + '/runtime:' + tag, namespace + '/base:' + tag):
            docker_client.images.remove(name, force=True)
