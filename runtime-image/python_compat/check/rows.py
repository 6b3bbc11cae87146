"""One line of the `check` report, and the words that say how the runtime serves what it names."""

import collections

# How the runtime serves something, from best to worst; every row starts with one of these.
AS_ON_APP_ENGINE = 'as on App Engine'
NEEDS = 'needs'  # followed by what must be configured, e.g. 'needs IDENTITY_SOURCE'
IGNORED = 'ignored'
NOT_CHECKED = 'not checked'
WARNING = 'warning'
NOT_SUPPORTED = 'not supported'
CANNOT_RUN = 'cannot run'

# README sections the rows point to (a unit test checks that each is a heading of the README).
APP_YAML = 'app.yaml: what is honoured'
APIS = 'App Engine APIs'
IDENTITY = 'Identity and login'
TASKS = 'Tasks and cron'
HEALTH = 'Health checks'
VARIABLES = 'Environment variables'
UNSUPPORTED = 'Not supported yet'
SECTIONS = (APP_YAML, APIS, IDENTITY, TASKS, HEALTH, VARIABLES, UNSUPPORTED)


class Row(collections.namedtuple('Row', 'what status detail section')):
    """`what` the app uses (e.g. 'app.yaml handlers[0]: /.* -> main.app'), `status` (one of the words above, or
    'needs X'), `detail` (one sentence, may be empty) and the README `section`."""

    @property
    def how(self):
        return '%s: %s' % (self.status, self.detail) if self.detail else self.status


def count(number, noun):
    """'1 job', '2 jobs'."""
    return '%d %s%s' % (number, noun, '' if number == 1 else 's')


def needs(what):
    """The status of something that works once `what` is configured."""
    return '%s %s' % (NEEDS, what)
