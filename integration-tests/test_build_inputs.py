"""The build's own inputs: reproducible root filesystem, and one clear line for each kind of bad input."""

import hashlib
import os
import pwd
import subprocess

import pytest

from conftest import REPO_ROOT

ROOTFS = REPO_ROOT / 'base-image' / 'build' / 'rootfs.tar'


def sha256(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def run(args, **kwargs):
    return subprocess.run(args, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, **kwargs)


def assert_one_clear_line(result, *fragments):
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_root_filesystem_tarball_is_bit_identical_when_built_again(tmp_path):
    assert ROOTFS.exists(), 'make build runs before the tests'
    again = tmp_path / 'rootfs.tar'
    result = run(['scripts/build-rootfs.sh', str(again)],
                 env=dict(os.environ, SOURCE_DATE_EPOCH=os.environ.get('SOURCE_DATE_EPOCH', '1735689600')))
    assert result.returncode == 0, result.stderr
    assert sha256(again) == sha256(ROOTFS)


@pytest.mark.parametrize('variable, value', [
    ('TAG', 'bad tag'),
    ('TAG', '-leading-dash'),
    ('DOCKER_NAMESPACE', 'Upper/Case'),
    ('DOCKER_NAMESPACE', 'trailing/'),
])
def test_illegal_tag_or_namespace_fails_with_one_line(variable, value):
    result = run(['make', '--no-print-directory', '-s', 'build', '%s=%s' % (variable, value)])
    assert result.returncode != 0
    assert result.stderr.splitlines()[0].startswith("%s='%s': expected" % (variable, value))


def test_wheel_whose_hash_does_not_match_fails_with_one_line(tmp_path):
    pins = (REPO_ROOT / 'base-image' / 'requirements-bootstrap.txt').read_text()
    wheel_hash = '4bdcd7d840138086126cd09254dc6195fb4fc6f01c050a1d7236f2630db1d22a'
    assert wheel_hash in pins
    tampered = tmp_path / 'requirements.txt'
    tampered.write_text(pins.replace(wheel_hash, '0' * 64))
    result = run(['scripts/fetch-wheelhouse.sh', str(tmp_path / 'wheels'), str(tampered)])
    assert_one_clear_line(result, 'wheel==0.37.1', 'does not match its pinned sha256 hash')


def test_unreachable_package_index_fails_with_one_line(tmp_path):
    offline = dict(os.environ, PIP_CONFIG_FILE=os.devnull, PIP_FIND_LINKS='', PIP_EXTRA_INDEX_URL='',
                   PIP_INDEX_URL='http://127.0.0.1:9/simple', PIP_RETRIES='0', PIP_TIMEOUT='2')
    result = run(['scripts/fetch-wheelhouse.sh', str(tmp_path / 'wheels'),
                  'base-image/requirements-bootstrap.txt'], env=offline)
    assert_one_clear_line(result, 'requirements-bootstrap.txt', 'cannot download', 'package index')


def test_no_engine_and_not_root_fails_with_one_line():
    nobody = pwd.getpwnam('nobody')
    result = run(['scripts/ensure-docker-engine.sh'],
                 env=dict(os.environ, DOCKER_HOST='unix:///nonexistent/docker.sock'),
                 user=nobody.pw_uid, group=nobody.pw_gid, extra_groups=[])
    assert_one_clear_line(result, 'no Docker engine answers', 'not root')
