"""The embedded App Engine API server: a child process of the gunicorn master, kept alive while we serve.

Started before the app is loaded (apps make API calls at import time), waited for until it answers,
restarted when it dies (its data is on disk, so committed writes survive), and stopped when the master exits,
after the workers have drained their in-flight requests.
"""

import atexit
import httplib
import logging
import os
import socket
import subprocess
import sys
import time

from python_compat.wire import internal_token
from python_compat.background import os_threads
from python_compat.errors import StartupError

log = logging.getLogger(__name__)
START_TIMEOUT_SECONDS = 30


def answers(host, port):
    connection = httplib.HTTPConnection(host, port, timeout=2)
    try:
        connection.request('GET', '/_ah/health')
        return connection.getresponse().status == 200
    except (socket.error, httplib.HTTPException):
        return False
    finally:
        connection.close()


class EmbeddedApiServer(object):
    def __init__(self, app_id, port, storage_path, app_root, task_target_url, api_server_environment):
        self.command = [sys.executable, '-m', 'python_compat.apiserver', '--app-id', app_id,
                        '--port', str(port), '--storage-path', storage_path, '--app-root', app_root]
        # Push tasks go to this container's app, carrying the token its proxy accepts (in the environment,
        # where other users cannot read it, unlike the command line).
        self.environment = dict(os.environ, **api_server_environment)
        self.environment.update(TASK_TARGET_URL=task_target_url, INTERNAL_REQUEST_SECRET=internal_token.token())
        self.port = port
        self.storage_path = storage_path
        self.process = None
        self.stopping = False
        # gunicorn's workers are forks of this process and inherit its atexit handlers: only the master stops
        # the server, never a worker that exits or is recycled.
        self.master_pid = os.getpid()

    def start(self):
        """Starts the server and waits until it answers; StartupError when it cannot."""
        if not os.access(self.storage_path, os.W_OK):
            raise StartupError('environment', 'API_STORAGE_PATH',
                               '%s: expected a directory the app user (uid %d) can write'
                               % (self.storage_path, os.getuid()))
        self.process = subprocess.Popen(self.command, close_fds=True, env=self.environment)
        deadline = time.time() + START_TIMEOUT_SECONDS
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise StartupError('API server', None, 'exited with status %s while starting (see its log above)'
                                   % self.process.returncode)
            if answers('127.0.0.1', self.port):
                atexit.register(self.stop)
                return
            time.sleep(0.1)
        raise StartupError('API server', None, 'did not answer on 127.0.0.1:%d within %d s'
                           % (self.port, START_TIMEOUT_SECONDS))

    def supervise(self, poll_seconds=0.5):
        """Restarts the server whenever it exits (runs in a real OS thread of the master)."""
        while not self.stopping:
            time.sleep(poll_seconds)
            if self.process.poll() is not None and not self.stopping:
                log.error('the embedded API server exited (status %s); restarting it', self.process.returncode)
                self.process = subprocess.Popen(self.command, close_fds=True, env=self.environment)

    def start_supervisor(self):
        os_threads.start_os_thread(self.supervise)

    def stop(self):
        if os.getpid() != self.master_pid:
            return
        self.stopping = True
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait()
            except OSError:
                pass  # already reaped by gunicorn's SIGCHLD handler
