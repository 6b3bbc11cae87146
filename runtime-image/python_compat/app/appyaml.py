"""Loads and validates an app's app.yaml with the SDK's own parser (`includes:` and `builtins:` expanded)."""

import os

from python_compat.app import deploy_checks
from python_compat.errors import StartupError

DEFAULT_LIVENESS_PATH = '/liveness_check'
DEFAULT_READINESS_PATH = '/readiness_check'


class AppConfig(object):
    """The parts of app.yaml the runtime acts on, taken from the SDK's validated AppInfoExternal."""

    def __init__(self, path, info):
        self.path = path
        self.root = os.path.dirname(os.path.abspath(path))
        self.info = info
        self.runtime = info.GetEffectiveRuntime()
        self.threadsafe = info.threadsafe is not False
        self.handlers = list(info.handlers or [])
        self.env_variables = dict(info.env_variables or {})
        self.libraries = list(info.libraries or [])
        self.error_handlers = list(info.error_handlers or [])
        self.default_expiration = info.default_expiration
        self.inbound_services = list(info.inbound_services or [])
        self.application = info.application
        self.service = info.service or info.module
        self.version = info.version
        self.liveness_path = _check_path(path, 'liveness_check', info.liveness_check, DEFAULT_LIVENESS_PATH)
        self.readiness_path = _check_path(path, 'readiness_check', info.readiness_check, DEFAULT_READINESS_PATH)

    @property
    def warmup_enabled(self):
        return 'warmup' in self.inbound_services


def _check_path(app_yaml_path, key, check, default):
    """The health-check path app.yaml names under `key`, else `default`; StartupError when it is not a path."""
    path = check.path if check is not None and check.path else None
    if path is not None and not str(path).startswith('/'):
        raise StartupError(app_yaml_path, '%s.path' % key, '%r: expected a URL path starting with /' % path)
    return path or default


def _flatten(text):
    return ' '.join(str(text).replace('\n', ' ').split())


def load_app_yaml(path):
    """Parses `path` into an AppConfig, or raises StartupError naming the file, key and what was expected."""
    # Imported here: the SDK is large, and `print-config` of a missing app.yaml should not pay for it.
    from google.appengine.api import appinfo_errors
    from google.appengine.api import appinfo_includes
    from google.appengine.api import validation
    from google.appengine.api import yaml_errors
    from google.appengine.ext import builtins

    if not os.path.isfile(path):
        raise StartupError(path, None, 'no app.yaml found (set APP_ROOT to the directory that holds it)')
    try:
        with open(path) as app_yaml:
            text = app_yaml.read()
        deploy_checks.check_raw_app_yaml(path, plain_yaml(text))
        with open(path) as app_yaml:
            info = appinfo_includes.Parse(app_yaml, open_fn=open)
    except IOError as error:
        raise StartupError(path, None, 'cannot read: %s' % error.strerror)
    except (yaml_errors.EmptyConfigurationFile, appinfo_errors.EmptyConfigurationFile):
        raise StartupError(path, None, 'empty: expected the elements of an app.yaml (runtime, handlers, ...)')
    except builtins.InvalidBuiltinName as error:
        raise StartupError(path, 'builtins', _flatten(error))
    except (yaml_errors.Error, validation.Error, appinfo_errors.Error,
            appinfo_includes.IncludeFileNotFound) as error:
        raise StartupError(path, None, _flatten(error))
    if not info.runtime:
        # A document that is not a mapping (a bare word, say) parses as an app.yaml with nothing in it.
        raise StartupError(path, 'runtime', 'missing: expected the elements of an app.yaml (runtime, handlers, ...)')
    deploy_checks.check_app_yaml(path, info)
    return AppConfig(path, info)


def plain_yaml(text):
    """`text` as plain YAML, read as the SDK's parser reads app.yaml (YAML 1.1: `yes`/`no` are booleans), or None
    when it does not parse (the SDK's parser then says why). With the SDK's own YAML library, already loaded: the
    app's process must not import PyYAML before the app names its `yaml` library."""
    import warnings
    from google.appengine._internal.ruamel import yaml
    try:
        with warnings.catch_warnings():
            # A duplicate key, say: the SDK's parser reports it as one line.
            warnings.simplefilter('ignore')
            return yaml.safe_load(text, version=(1, 1))
    except yaml.YAMLError:
        return None


def peek(path):
    """The top-level elements of app.yaml as plain YAML, or {} when it cannot be read: for the supervisor, which
    only needs `application:` and `inbound_services:` and leaves the checking to load_app_yaml in the app's own
    process (which reports what is wrong). Read as plain_yaml reads it: importing PyYAML (its unicode ranges
    compiled into regular expressions) would be a fifth of the supervisor's start-up."""
    try:
        with open(path) as app_yaml:
            elements = plain_yaml(app_yaml.read())
    except IOError:
        return {}
    return elements if isinstance(elements, dict) else {}
