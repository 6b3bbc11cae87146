"""What the health checks of the gunicorn workers know about the rest of the container, in a small file the
supervisor writes (atomically, by rename) and the workers read on every health check.

    api_server = up | starting | restarting | failed | external
    warmup = none | pending | done

Liveness fails when the API server could not be kept up (`failed`): the orchestrator then replaces the container.
Readiness fails unless API calls can succeed (`up` or `external`) and warmup, when the app has it, has run.
"""

import os

API_SERVER = 'api_server'
WARMUP = 'warmup'
UP, STARTING, RESTARTING, FAILED, EXTERNAL = 'up', 'starting', 'restarting', 'failed', 'external'
NO_WARMUP, WARMUP_PENDING, WARMUP_DONE = 'none', 'pending', 'done'


class StatusFile(object):
    """The supervisor's side: keeps the values and rewrites the file on every change."""

    def __init__(self, path, **values):
        self.path = path
        self.values = dict(values)
        self._write()

    def set(self, **values):
        if any(self.values.get(key) != value for key, value in values.items()):
            self.values.update(values)
            self._write()

    def _write(self):
        temporary = '%s.%d.tmp' % (self.path, os.getpid())
        with open(temporary, 'w') as status:
            status.write(''.join('%s=%s\n' % item for item in sorted(self.values.items())))
        os.rename(temporary, self.path)


def read(path):
    """{key: value} of the status file; {} when there is none (the worker runs outside the supervisor)."""
    try:
        with open(path) as status:
            text = status.read()
    except (IOError, OSError):
        return {}
    return dict(line.split('=', 1) for line in text.splitlines() if '=' in line)


class ContainerStatus(object):
    """The workers' side, for the health checks."""

    def __init__(self, path):
        self.path = path

    def alive(self):
        return read(self.path).get(API_SERVER) != FAILED if self.path else True

    def ready(self):
        if not self.path:
            return True
        values = read(self.path)
        return values.get(API_SERVER) in (UP, EXTERNAL) and values.get(WARMUP) in (NO_WARMUP, WARMUP_DONE)
