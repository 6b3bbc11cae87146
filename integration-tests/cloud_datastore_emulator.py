"""Google's Cloud Datastore emulators (installed with the Google Cloud CLI) as test servers on 127.0.0.1.

Each runs as a Java process of the test's own with a bounded heap, answers `Ok` on `GET /` when ready, and is
stopped (its whole process group) when the test ends. Containers reach it on the host's loopback only by
sharing the host's network namespace (see test_cloud_datastore_suite.py).
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

HEAP = '-Xmx384m'
START_TIMEOUT_SECONDS = 60
DATASTORE = 'datastore'
FIRESTORE = 'firestore'


def sdk_root():
    """The Google Cloud CLI's installation folder (where the emulator jars are)."""
    gcloud = shutil.which('gcloud')
    if gcloud is None:
        raise RuntimeError('gcloud (the Google Cloud CLI, which carries the emulators) is not on PATH')
    root = subprocess.run([gcloud, 'info', '--format=value(installation.sdk_root)'], check=True,
                          capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, CLOUDSDK_CORE_DISABLE_PROMPTS='1')).stdout.strip()
    return root or os.path.dirname(os.path.dirname(os.path.realpath(gcloud)))


def free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


class Emulator(object):
    """One emulator process: `kind` is DATASTORE (the Datastore emulator, optimistic transactions like App
    Engine) or FIRESTORE (the Firestore emulator in Datastore mode); `flags` are extra emulator flags."""

    def __init__(self, kind, flags=()):
        self.kind = kind
        self.flags = list(flags)
        self.port = None
        self.process = None
        self.directory = tempfile.mkdtemp(prefix='python-compat-emulator-')
        self.log_path = os.path.join(self.directory, 'emulator.log')

    @property
    def host(self):
        return '127.0.0.1:%d' % self.port

    def _command(self, sdk):
        if self.kind == DATASTORE:
            jar = os.path.join(sdk, 'platform', 'cloud-datastore-emulator', 'CloudDatastore.jar')
            main = 'com.google.cloud.datastore.emulator.CloudDatastore'
            project = os.path.join(self.directory, 'project')
            subprocess.run(['java', HEAP, '-cp', jar, main, 'create', project], check=True, timeout=120,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            return ['java', HEAP, '-cp', jar, main, 'start', '--host=127.0.0.1', '--port=%d' % self.port,
                    '--store_on_disk=false', '--consistency=1.0'] + self.flags + [project]
        jar = os.path.join(sdk, 'platform', 'cloud-firestore-emulator', 'cloud-firestore-emulator.jar')
        return ['java', HEAP, '-Duser.language=en', '-cp', jar,
                'com.google.cloud.datastore.emulator.firestore.CloudFirestore', 'start', '--host=127.0.0.1',
                '--port=%d' % self.port, '--database-mode=datastore-mode'] + self.flags

    def start(self):
        """Starts the emulator on a free loopback port; returns once it answers."""
        self.port = free_port()
        command = self._command(sdk_root())
        with open(self.log_path, 'ab') as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError('the %s emulator exited: %s' % (self.kind, self.log()[-2000:]))
            try:
                with urllib.request.urlopen('http://%s/' % self.host, timeout=2) as reply:
                    if reply.read().strip() == b'Ok':
                        return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise AssertionError('the %s emulator did not answer within %d s' % (self.kind, START_TIMEOUT_SECONDS))

    def log(self):
        with open(self.log_path, errors='replace') as log:
            return log.read()

    def stop(self):
        """Stops the emulator and the processes it started; removes its folder."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)
