"""The gunicorn settings we serve with, each with where its value came from.

Layers, lowest first: our defaults (bind 0.0.0.0:$PORT, gevent workers, one worker per usable CPU), then
WEB_CONCURRENCY, then the app's own `gunicorn.conf.py` (any setting it names wins over ours; settings it
does not name keep ours), then GUNICORN_CMD_ARGS. `print-config` shows the result without serving.
"""

import os
import shlex
import StringIO
import sys
import traceback

from python_compat.serving import cpu
from python_compat.serving import gunicorn_hooks
from python_compat.errors import StartupError

APP_CONFIG_FILE = 'gunicorn.conf.py'
# gunicorn's gevent worker with the runtime's graceful drain (serving/graceful_worker.py).
GRACEFUL_GEVENT_WORKER = 'python_compat.serving.graceful_worker.GracefulGeventWorker'
SHOWN_SETTINGS = ('workers', 'worker_class', 'worker_connections', 'threads', 'bind', 'timeout',
                  'graceful_timeout', 'keepalive', 'max_requests', 'preload_app')


class EffectiveSettings(object):
    """Ordered gunicorn settings: name -> (value, source)."""

    def __init__(self):
        self.values = {}

    def set(self, name, value, source):
        self.values[name] = (value, source)

    def value(self, name):
        return self.values[name][0]

    def items(self):
        return sorted(self.values.items())

    def describe(self):
        """Human-readable lines for print-config: the shown settings first, then anything else set."""
        names = [n for n in SHOWN_SETTINGS if n in self.values]
        names += sorted(n for n in self.values if n not in SHOWN_SETTINGS)
        return ['%-20s = %-24s (%s)' % (name, _shown(self.values[name][0]), self.values[name][1]) for name in names]


def _shown(value):
    if callable(value) and hasattr(value, '__module__') and hasattr(value, '__name__'):
        return '%s.%s' % (value.__module__, value.__name__)  # a hook: its name, not its address
    return repr(value)


def _defaults(settings):
    effective = EffectiveSettings()
    workers, source = cpu.usable_cpus()
    effective.set('workers', workers, 'usable CPUs: %s' % source)
    effective.set('worker_class', GRACEFUL_GEVENT_WORKER, 'default (gevent, drained gracefully)')
    effective.set('bind', ['0.0.0.0:%d' % settings.port], 'PORT')
    effective.set('timeout', 60, 'default (App Engine\'s 60 s request deadline)')
    effective.set('graceful_timeout', 30, 'default')
    effective.set('keepalive', 5, 'default')
    effective.set('preload_app', True, 'default (the app is loaded and checked before workers start)')
    # Client addresses and schemes are decided by TRUSTED_PROXIES in the runtime, not by gunicorn.
    effective.set('forwarded_allow_ips', '', 'default (TRUSTED_PROXIES decides)')
    effective.set('accesslog', None, 'default (the runtime writes request logs)')
    effective.set('logger_class', 'python_compat.serving.gunicorn_logging.PropagatingLogger', 'default')
    effective.set('pre_request', gunicorn_hooks.skip_request_debug_line,
                  'default (no per-request debug line: the request log says it)')
    return effective


def _gunicorn_config():
    # Imported late: gunicorn.config reads WEB_CONCURRENCY with int() when imported, after Settings checked it.
    from gunicorn.config import Config
    return Config()


def _apply(effective, name, value, source):
    """Validates one setting through gunicorn's own Config before accepting it."""
    config = _gunicorn_config()
    if name not in config.settings:
        return
    try:
        config.set(name, value)
    except Exception as error:
        raise StartupError(source, name, '%r: %s' % (value, error))
    effective.set(name, config.settings[name].get(), source)


def _app_config_file_settings(path):
    namespace = {'__builtins__': __builtins__, '__name__': '__config__', '__file__': path}
    try:
        execfile(path, namespace)
    except Exception as error:
        raise StartupError(path, None, 'executing it raised %s: %s' % (type(error).__name__, error),
                           traceback.format_exc())
    return dict((name, value) for name, value in namespace.items() if not name.startswith('__'))


def _parse_cmd_args(text):
    """gunicorn's own option parser, with its usage dump replaced by one line naming the bad option."""
    parser = _gunicorn_config().parser()
    stderr = sys.stderr
    sys.stderr = captured = StringIO.StringIO()
    try:
        return parser.parse_args(shlex.split(text))
    except SystemExit:
        problem = (captured.getvalue().strip().splitlines() or ['invalid options'])[-1].split('error: ', 1)[-1]
        raise StartupError('environment', 'GUNICORN_CMD_ARGS', '%r: %s' % (text, problem))
    finally:
        sys.stderr = stderr


def effective_settings(settings):
    effective = _defaults(settings)
    if settings.web_concurrency:
        _apply(effective, 'workers', settings.web_concurrency, 'WEB_CONCURRENCY')
    path = os.path.join(settings.app_root, APP_CONFIG_FILE)
    if os.path.isfile(path):
        for name, value in sorted(_app_config_file_settings(path).items()):
            _apply(effective, name, value, path)
    if settings.gunicorn_cmd_args:
        args = _parse_cmd_args(settings.gunicorn_cmd_args)
        for name, value in sorted(vars(args).items()):
            if value is not None and name != 'args':
                _apply(effective, name, value, 'GUNICORN_CMD_ARGS')
    return effective
