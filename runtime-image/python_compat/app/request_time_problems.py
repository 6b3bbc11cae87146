"""Problems App Engine only found when a request arrived: a start-up WARNING here, not a stopped container.

App Engine's deploy validated app.yaml, but a handler's script was imported when a request first reached it, and
`error_handlers` files and `static_dir` directories were only matched against the uploaded files. An app whose
unreachable handler names a missing module, or whose error page sits at a wrong path, ran there for years. So
each such problem is one WARNING line at start-up (file, key, reason, and what requests get meanwhile; the app's
traceback after it), and the rest of the app serves. STRICT_STARTUP=true makes each a start-up error instead, the
fail-fast an app owner's CI wants.
"""

import logging

log = logging.getLogger('python_compat.startup')


class RequestTimeProblems(object):
    """Reports what App Engine would only have found on a request: raises it when strict, else warns."""

    def __init__(self, strict):
        self.strict = strict
        self.reported = []

    def report(self, error, meanwhile):
        """`error`: the StartupError describing the problem; `meanwhile`: what requests get instead, e.g.
        'requests to this handler answer 500'. Raises `error` in strict mode."""
        if self.strict:
            raise error
        self.reported.append(error)
        line = '%s; %s (STRICT_STARTUP=true stops the container instead)' % (error.line(), meanwhile)
        if error.app_traceback:
            log.warning('%s\n%s', line, error.app_traceback.rstrip())
        else:
            log.warning('%s', line)
