"""Errors a user can cause at start-up, reported as one line: which file, which key, what was expected."""


class StartupError(Exception):
    """A configuration or app error that must stop the container before it serves anything.

    `str()` is the single line printed to stderr; `app_traceback` is the app's own traceback when the error
    is an exception the app raised while being imported (printed after the line, because the user needs it).
    """

    def __init__(self, source, key, problem, app_traceback=None):
        self.source = source
        self.key = key
        self.problem = problem
        self.app_traceback = app_traceback
        Exception.__init__(self, self.line())

    def line(self):
        where = '%s: %s' % (self.source, self.key) if self.key else self.source
        return '%s: %s' % (where, ' '.join(self.problem.split()))
