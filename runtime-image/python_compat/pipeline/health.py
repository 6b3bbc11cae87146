"""Health checks answered by the runtime: legacy `/_ah/health`, and the split liveness and readiness paths
(app.yaml's `liveness_check` / `readiness_check`, else /liveness_check and /readiness_check).

A path that one of the app's handlers names in its `url` stays the app's (a catch-all `/.*` does not count).
Liveness (and `/_ah/health`) fails when the supervisor could not keep the API server up, so the orchestrator
replaces the container. Readiness fails until the app is loaded, while API calls cannot succeed (the API server is
starting or restarting) and, when warmup is enabled, until /_ah/warmup has run. The supervisor's part comes from
the container's status file (wire/container_status.py).
"""

from python_compat import responses
from python_compat.wire import container_status


class Readiness(object):
    """Whether this process may take traffic: the app loaded (set by the serving layer) and the container's
    status."""

    def __init__(self, status=None):
        self.app_loaded = False
        self.status = status or container_status.ContainerStatus(None)

    @property
    def alive(self):
        return self.status.alive()

    @property
    def ready(self):
        return self.app_loaded and self.status.ready()


class HealthChecks(object):
    """A platform step of the request pipeline: answers the health-check paths, passes on everything else."""

    def __init__(self, readiness, health_path, liveness_path, readiness_path, app_owns_path):
        self.readiness = readiness
        self.liveness_paths = set(path for path in (health_path, liveness_path) if not app_owns_path(path))
        self.readiness_path = None if app_owns_path(readiness_path) else readiness_path

    def paths(self):
        """The paths this step answers."""
        return set(self.liveness_paths) | ({self.readiness_path} if self.readiness_path else set())

    def answer(self, environ, start_response):
        """The response to a health check, or None when the request is not one."""
        path = environ.get('PATH_INFO')
        if path in self.liveness_paths:
            if self.readiness.alive:
                return responses.plain(start_response, 200, 'ok\n')
            return responses.plain(start_response, 503, 'the API server cannot be kept up\n')
        if path == self.readiness_path:
            if self.readiness.ready:
                return responses.plain(start_response, 200, 'ready\n')
            return responses.plain(start_response, 503, 'not ready\n')
        return None
