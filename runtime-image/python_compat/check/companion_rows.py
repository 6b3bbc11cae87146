"""The `check` rows of app.yaml's companion files: cron.yaml, queue.yaml, index.yaml, dispatch.yaml, dos.yaml,
backends.yaml, each parsed by the SDK's own parser as the runtime (or App Engine's deploy) parsed it."""

import os

from python_compat.background import cron
from python_compat.check import rows
from python_compat.check.rows import Row
from python_compat.errors import StartupError


def _flatten(error):
    return ' '.join(str(error).split())


def cron_rows(app_root):
    try:
        jobs = cron.load_cron_jobs(app_root)
    except StartupError as error:  # the runtime refuses it at start-up
        return [Row('cron.yaml', rows.CANNOT_RUN, error.line(), rows.TASKS)]
    found = [Row('cron.yaml: %s' % rows.count(len(jobs), 'job'), rows.needs('CRON_ENABLED=true'),
                 'in exactly one replica, which then sends each job', rows.TASKS)]
    from google.appengine.api import croninfo
    with open(os.path.join(app_root, 'cron.yaml')) as cron_yaml:
        targeted = [entry.url for entry in croninfo.LoadSingleCron(cron_yaml).cron or [] if entry.target]
    if targeted:
        found.append(Row('cron.yaml target', rows.IGNORED, 'every job goes to this app (%s)' % ', '.join(targeted),
                         rows.UNSUPPORTED))
    return found


def queue_rows(app_root):
    from google.appengine.api import queueinfo
    info, problem = _parsed(app_root, 'queue.yaml', queueinfo.LoadSingleQueue)
    if problem is not None:
        return [problem]
    queues = info.queue or []
    push = [queue.name for queue in queues if queue.mode != 'pull']
    pull = [queue.name for queue in queues if queue.mode == 'pull']
    found = []
    if push:
        found.append(Row('queue.yaml: push queues %s' % ', '.join(push), rows.AS_ON_APP_ENGINE,
                         'rate, bucket_size, max_concurrent_requests and retry_parameters honoured', rows.TASKS))
    if pull:
        found.append(Row('queue.yaml: pull queues %s' % ', '.join(pull), rows.AS_ON_APP_ENGINE, '', rows.TASKS))
    targeted = [queue.name for queue in queues if queue.target]
    if targeted:
        found.append(Row('queue.yaml target', rows.IGNORED, 'every task goes to this app (%s)' % ', '.join(targeted),
                         rows.UNSUPPORTED))
    return found


def index_rows(app_root):
    from google.appengine.datastore import datastore_index
    info, problem = _parsed(app_root, 'index.yaml', datastore_index.ParseIndexDefinitions)
    if problem is not None:
        return [problem]
    count = len(info.indexes or []) if info is not None else 0
    return [Row('index.yaml: %s' % rows.count(count, 'index definition'), rows.IGNORED,
                'the datastore answers every query without composite indexes (as dev_appserver did)', rows.APIS)]


def dispatch_rows(app_root):
    from google.appengine.api import dispatchinfo
    info, problem = _parsed(app_root, 'dispatch.yaml', dispatchinfo.LoadSingleDispatch)
    if problem is not None:
        return [problem]
    count = len(info.dispatch or []) if info is not None else 0
    return [Row('dispatch.yaml: %s' % rows.count(count, 'rule'), rows.NOT_SUPPORTED,
                'every request goes to this app; route services with the container host', rows.UNSUPPORTED)]


def _not_supported_file(name, detail):
    def file_rows(app_root):
        return [Row(name, rows.NOT_SUPPORTED, detail, rows.UNSUPPORTED)]
    return file_rows


def _parsed(app_root, name, parse):
    """(parsed, None), or (None, a warning row) when the file does not parse; App Engine's deploy refused such a
    file, and the runtime fails the calls that read it."""
    with open(os.path.join(app_root, name)) as companion:
        try:
            return parse(companion), None
        except Exception as error:  # pylint: disable=broad-except - the SDK's parsers raise many kinds
            return None, Row(name, rows.WARNING, 'does not parse (App Engine refused it at deploy): %s'
                             % _flatten(error), rows.TASKS if name == 'queue.yaml' else rows.APP_YAML)


COMPANIONS = (
    ('cron.yaml', cron_rows),
    ('queue.yaml', queue_rows),
    ('index.yaml', index_rows),
    ('dispatch.yaml', dispatch_rows),
    ('dos.yaml', _not_supported_file('dos.yaml', 'no address blacklist: filter clients at the container host')),
    ('backends.yaml', _not_supported_file('backends.yaml', 'backends: run each as its own container')),
)


def companion_rows(app_root):
    """The rows of every companion file present in `app_root`, in COMPANIONS' order."""
    found = []
    for name, file_rows in COMPANIONS:
        if os.path.isfile(os.path.join(app_root, name)):
            found.extend(file_rows(app_root))
    return found
