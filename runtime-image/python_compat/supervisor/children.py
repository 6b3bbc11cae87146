"""One child process of the supervisor, kept running: started, watched, restarted with backoff when it exits.

Pure bookkeeping plus subprocess: the supervisor's loop reaps exits (it is PID 1 and reaps every orphan too) and
calls exited(); due_for_restart(now) says when to start it again.
"""

import logging
import os
import signal
import subprocess
import time

_log = logging.getLogger(__name__)

BACKOFF_FIRST_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 30.0
# A child that ran this long before exiting was up: its next restart starts the backoff again.
STABLE_SECONDS = 60.0


class Backoff(object):
    """Seconds to wait before the next restart: doubling from BACKOFF_FIRST_SECONDS up to BACKOFF_MAX_SECONDS,
    back to the first once the child stayed up for STABLE_SECONDS."""

    def __init__(self, first=BACKOFF_FIRST_SECONDS, maximum=BACKOFF_MAX_SECONDS, stable=STABLE_SECONDS):
        self.first = first
        self.maximum = maximum
        self.stable = stable
        self.failures = 0

    def after_exit(self, ran_seconds):
        """The wait before restarting a child that exited after running `ran_seconds`."""
        if ran_seconds >= self.stable:
            self.failures = 0
        self.failures += 1
        return min(self.maximum, self.first * 2 ** (self.failures - 1))

    def reset(self):
        self.failures = 0


class Child(object):
    """A child process: `command` with `environment`, `stdin_text` written to its standard input and closed."""

    def __init__(self, name, command, environment, stdin_text=None):
        self.name = name
        self.command = command
        self.environment = environment
        self.stdin_text = stdin_text
        self.process = None
        self.started_at = None
        self.exit_status = None

    @property
    def pid(self):
        return self.process.pid if self.process is not None else None

    @property
    def running(self):
        return self.process is not None and self.exit_status is None

    def start(self):
        self.exit_status = None
        self.started_at = time.time()
        self.process = subprocess.Popen(self.command, env=self.environment, close_fds=True,
                                        stdin=subprocess.PIPE if self.stdin_text is not None else None)
        if self.stdin_text is not None:
            try:
                self.process.stdin.write(self.stdin_text)
                self.process.stdin.close()
            except (IOError, OSError) as error:  # it died at once: its exit is reaped like any other
                _log.error('%s: could not hand it its secrets: %s', self.name, error)

    def exited(self, status):
        """Records the wait() status the supervisor reaped; returns the exit code (128 + signal when killed)."""
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
        self.exit_status = code
        # subprocess must not wait for it again: the supervisor reaped it.
        self.process.returncode = code
        return code

    def signal(self, signum):
        if self.running:
            try:
                os.kill(self.process.pid, signum)
            except OSError:
                pass

    def ran_seconds(self, now=None):
        return (now or time.time()) - (self.started_at or 0)


def stop(child, timeout, reap):
    """SIGTERM, then SIGKILL after `timeout` seconds; `reap()` collects exits meanwhile. True when it stopped in
    time."""
    child.signal(signal.SIGTERM)
    deadline = time.time() + timeout
    while child.running and time.time() < deadline:
        reap()
        time.sleep(0.05)
    if child.running:
        child.signal(signal.SIGKILL)
        while child.running:
            reap()
            time.sleep(0.05)
        return False
    return True
