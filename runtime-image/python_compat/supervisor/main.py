"""The life of a serving container, from its first process.

1. Not dumpable, then the settings (a bad variable stops here with one line); the secrets leave the environment.
2. The gunicorn master starts; the API server (unless API_HOST names an external one) starts when the master asks
   for it (handoff.START_API_SERVER_SIGNAL): once the app is loaded, or at the app's first API call before that
   (the call waits while it starts: apiclient/framed_transport.py). Until then the container's CPU goes to loading
   the app; if the master never asks, it starts after API_SERVER_START_FALLBACK_SECONDS.
3. While serving: the API server is restarted whenever it exits, with backoff, and killed and restarted when it
   stops answering; after RESTARTS_BEFORE_FAILED restarts in a row that never got it answering, the status file
   says `failed` and liveness fails, so the orchestrator replaces the container (restarts go on meanwhile).
   Warmup and cron requests go out from here, with the internal-request token no app process holds.
4. SIGTERM/SIGINT: gunicorn drains (serving/graceful_worker.py); once its master has exited, the API server is
   stopped; the container exits with the master's status (DRAIN_INCOMPLETE_EXIT_STATUS when a request was cut).
   The supervisor also reaps every orphaned process, as a container's first process must.
"""

from __future__ import print_function

import errno
import logging
import os
import signal
import socket
import sys
import tempfile
import time

from python_compat import memory
from python_compat.supervisor import children
from python_compat.supervisor import handoff
from python_compat.supervisor import process
from python_compat.wire import container_status

_log = logging.getLogger('python_compat.supervisor')

TICK_SECONDS = 0.1
# While the API server starts: how often it is asked whether it answers. Once up: how often, and how many failed
# answers in a row get it killed and restarted.
STARTING_PROBE_SECONDS = 0.1
RUNNING_PROBE_SECONDS = 5.0
PROBE_TIMEOUT_SECONDS = 2.0
UNANSWERED_PROBES_BEFORE_RESTART = 3
RESTARTS_BEFORE_FAILED = 4
API_SERVER_STOP_SECONDS = 10.0
API_SERVER_START_FALLBACK_SECONDS = 5.0


def answers(port):
    import httplib  # here, not at start-up: the children start sooner
    connection = httplib.HTTPConnection('127.0.0.1', port, timeout=PROBE_TIMEOUT_SECONDS)
    try:
        connection.request('GET', '/_ah/health')
        return connection.getresponse().status == 200
    except (socket.error, httplib.HTTPException):
        return False
    finally:
        connection.close()


class ApiServerWatch(object):
    """The API server child and what the supervisor knows of it."""

    def __init__(self, child, port, status):
        self.child = child
        self.port = port
        self.status = status
        self.backoff = children.Backoff()
        self.restart_at = None
        self.next_probe = 0
        self.unanswered = 0
        self.up = False
        # start_when_asked() holds the start until `asked` (the gunicorn master's signal) or start_at.
        self.started = True
        self.asked = False
        self.start_at = None

    def start_when_asked(self, latest):
        """Leaves the API server unstarted until `asked` is set (the gunicorn master's signal) or the time `latest`
        has come: the next tick() then starts it."""
        self.started = False
        self.start_at = latest

    def start(self):
        self.child.start()
        self.started = True
        self.up = False
        self.unanswered = 0
        self.next_probe = 0  # at the next tick

    def exited(self, code, now):
        wait = self.backoff.after_exit(self.child.ran_seconds(now))
        _log.error('the API server exited (status %s); restarting it in %.1f s', code, wait)
        self.restart_at = now + wait
        failed = self.backoff.failures > RESTARTS_BEFORE_FAILED
        if failed:
            _log.error('the API server could not be kept up (%d restarts in a row): liveness fails until it answers '
                       'again', self.backoff.failures - 1)
        self.status.set(api_server=container_status.FAILED if failed else container_status.RESTARTING)

    def tick(self, now, stopping):
        if not self.started:
            if not stopping and (self.asked or now >= self.start_at):
                self.start()
            return
        if not self.child.running:
            if not stopping and self.restart_at is not None and now >= self.restart_at:
                self.restart_at = None
                self.start()
            return
        if now < self.next_probe:
            return
        if answers(self.port):
            self.unanswered = 0
            if not self.up:
                self.up = True
                _log.info('the API server answers on 127.0.0.1:%d', self.port)
                self.status.set(api_server=container_status.UP)
            self.next_probe = now + RUNNING_PROBE_SECONDS
            return
        if self.up:
            self.unanswered += 1
            if self.unanswered >= UNANSWERED_PROBES_BEFORE_RESTART:
                _log.error('the API server did not answer %d health checks in a row; killing it', self.unanswered)
                self.child.signal(signal.SIGKILL)
            self.next_probe = now + RUNNING_PROBE_SECONDS
        else:
            self.next_probe = now + STARTING_PROBE_SECONDS


class Supervisor(object):
    def __init__(self, app, api_server=None, background=()):
        self.app = app
        self.api_server = api_server
        self.background = background
        self.stop_requested = None
        self.stop_forwarded = False
        self.finishing = False
        # Set when the container stops for a reason of its own rather than gunicorn's exit status.
        self.exit_status = None

    def _on_signal(self, signum, frame):  # pylint: disable=unused-argument
        if signum in (signal.SIGTERM, signal.SIGINT):
            self.stop_requested = signal.SIGTERM
        elif signum == handoff.START_API_SERVER_SIGNAL:
            if self.api_server is not None:
                self.api_server.asked = True
        else:
            self.app.signal(signum)  # SIGHUP: gunicorn reloads; SIGQUIT: it stops at once

    def reap(self):
        """Collects every exited child (ours and orphans); tells ours."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except OSError as error:
                if error.errno == errno.EINTR:
                    continue
                return
            if not pid:
                return
            now = time.time()
            if pid == self.app.pid:
                self.app.exited(status)
            elif self.api_server is not None and pid == self.api_server.child.pid:
                code = self.api_server.child.exited(status)
                if self.finishing:
                    continue
                if code in handoff.CONFIGURATION_ERROR_EXIT_STATUSES:
                    _log.error('the API server refused its configuration (its line is above); stopping the container')
                    self.stop_requested = signal.SIGTERM
                    self.exit_status = 1
                else:
                    self.api_server.exited(code, now)

    def run(self):
        """Runs the container until the gunicorn master exits; returns the container's exit status. (gunicorn
        kills its own workers at its graceful timeout; the orchestrator kills the container at its own.)"""
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, handoff.START_API_SERVER_SIGNAL):
            signal.signal(signum, self._on_signal)
        self.app.start()
        if self.api_server is not None:
            self.api_server.start_when_asked(time.time() + API_SERVER_START_FALLBACK_SECONDS)
        for start_background in self.background:
            start_background()
        while self.app.running:
            self.reap()
            now = time.time()
            if self.stop_requested is not None and not self.stop_forwarded:
                self.stop_forwarded = self.finishing = True
                self.app.signal(self.stop_requested)
            if self.api_server is not None:
                self.api_server.tick(now, self.finishing)
            time.sleep(TICK_SECONDS)  # a signal ends it early
        self.finishing = True
        if self.api_server is not None and self.api_server.child.running:
            children.stop(self.api_server.child, API_SERVER_STOP_SECONDS, self.reap)
        return self.exit_status if self.exit_status is not None else self.app.exit_status


def _report_and_exit(error):
    print('python-compat: %s' % error.line(), file=sys.stderr)
    sys.exit(1)


def _api_server_child(settings, app_yaml, token, unix_socket, memcache_store):
    from python_compat.config import platform_variables
    from python_compat.errors import StartupError
    if not os.access(settings.api_storage_path, os.W_OK):
        raise StartupError('environment', 'API_STORAGE_PATH', '%s: expected a directory the app user (uid %d) can '
                           'write' % (settings.api_storage_path, os.getuid()))
    app_id = platform_variables.application_id(settings, app_yaml.get('application'))
    command = [sys.executable, '-m', 'python_compat.apiserver', '--app-id', app_id, '--port', str(settings.api_port),
               '--storage-path', settings.api_storage_path, '--app-root', settings.app_root,
               '--unix-socket', unix_socket, handoff.SECRETS_ON_STDIN_FLAG]
    if memcache_store:
        command[-1:-1] = ['--memcache-store', memcache_store]
    environment = dict(os.environ, **handoff.without_secrets(settings.api_server_environment))
    # Push tasks go to this container's app.
    environment['TASK_TARGET_URL'] = 'http://127.0.0.1:%d' % settings.port
    secrets = handoff.api_server_secrets(token, settings, settings.api_server_environment)
    return children.Child('API server', command, environment, secrets)


def _warmup(settings, status):
    from python_compat.background import warmup

    def start():
        warmup.start_warmup_thread(settings.port, lambda: status.set(warmup=container_status.WARMUP_DONE))
    return start


def _cron(settings):
    from python_compat.background import cron
    from python_compat.errors import StartupError

    def start():
        try:
            service = cron.configure(settings.app_root, settings.cron_enabled, settings.cron_clock_speedup)
        except StartupError:
            return  # the gunicorn master reports what is wrong with cron.yaml, and stops the container
        service.start(settings.port)
    return start


def serve():
    """The `serve` command: runs the container (see the module's docstring); exits with its status."""
    process.make_non_dumpable()
    from python_compat.app import appyaml
    from python_compat.config.settings import read_settings
    from python_compat.errors import StartupError
    from python_compat.logs import setup as log_setup
    from python_compat.wire import internal_token
    try:
        settings = read_settings()
        # Every process of the container inherits it: set explicitly, not read from /etc/localtime on each call.
        os.environ['TZ'] = settings.tz
        time.tzset()
        log_setup.configure(settings.log_format, 'INFO')
        internal_token.use_secret(settings.internal_request_secret)
        app_yaml = appyaml.peek(os.path.join(settings.app_root, 'app.yaml'))
        # The container's status file and its API server's socket, reachable only by the container's user.
        runtime_dir = tempfile.mkdtemp(prefix='python-compat-')
        status_path = os.path.join(runtime_dir, 'status')
        own_api = handoff.own_api_server_files(settings, runtime_dir)
        api_server = None
        if own_api.unix_socket:
            api_server = _api_server_child(settings, app_yaml, internal_token.token(), own_api.unix_socket,
                                           own_api.memcache_store)
    except StartupError as error:
        _report_and_exit(error)
    warmup_enabled = 'warmup' in (app_yaml.get('inbound_services') or ())
    status = container_status.StatusFile(
        status_path, api_server=container_status.STARTING if api_server else container_status.EXTERNAL,
        warmup=container_status.WARMUP_PENDING if warmup_enabled else container_status.NO_WARMUP)
    app = children.Child('gunicorn', [sys.executable, '-m', 'python_compat.serving', handoff.SECRETS_ON_STDIN_FLAG],
                         handoff.app_environment(os.environ, settings, internal_token.token_sha256(), status_path,
                                                 own_api.unix_socket, own_api.memcache_store,
                                                 own_api.datastore_file),
                         handoff.app_secrets(settings))
    background = [_warmup(settings, status)] if warmup_enabled else []
    if settings.cron_enabled:
        background.append(_cron(settings))
    watch = ApiServerWatch(api_server, settings.api_port, status) if api_server else None
    memory.release_free_heap()
    sys.exit(Supervisor(app, watch, background).run())
