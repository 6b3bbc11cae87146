"""Health checks answered by the runtime: legacy `/_ah/health`, and the split liveness and readiness paths
(app.yaml's `liveness_check` / `readiness_check`, else /liveness_check and /readiness_check).

A path that one of the app's handlers names in its `url` stays the app's (a catch-all `/.*` does not count).
Readiness fails until the app is loaded and, when warmup is enabled, until /_ah/warmup has run.
"""

from python_compat import responses


class Readiness(object):
    """Whether this process may take traffic; set by the serving layer."""

    def __init__(self):
        self.app_loaded = False
        self.warmup_done = None  # a SharedFlag when warmup is enabled

    @property
    def ready(self):
        return self.app_loaded and (self.warmup_done is None or bool(self.warmup_done))


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
            return responses.plain(start_response, 200, 'ok\n')
        if path == self.readiness_path:
            if self.readiness.ready:
                return responses.plain(start_response, 200, 'ready\n')
            return responses.plain(start_response, 503, 'not ready\n')
        return None
