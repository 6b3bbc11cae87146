"""What App Engine's deploy refused that the SDK's app.yaml parser lets through (or reports without a key).

The SDK's appinfo parser (appyaml.py) already refuses most of what a deploy refused: the schema, unknown
elements, library names and versions, CGI handlers with `threadsafe: true`, a python27 app without `threadsafe`.
The rest was checked by the deploy tools and App Engine's servers, and is checked here, each as one line naming
the file and the key:
- `threadsafe` must be a YAML boolean (the parser turns any string, even 'no', into True);
- an `env_variables` value must be a scalar (the parser refuses a mapping without naming the variable);
- the runtime: `python27`; or, deployed to Flexible as this image is (`env: flex` or the older `vm: true`),
  `custom` or `python-compat`, the runtimes Flexible accepted for it (dev_appserver's _ALLOWED_RUNTIMES_ENV_FLEX);
- at least one handler, of a kind this runtime serves, each with a `url`;
- every handler's `url` and `upload` compile as regular expressions (dev_appserver and App Engine refused an
  app whose pattern did not).
"""

import re

from python_compat.errors import StartupError

SERVED_HANDLER_TYPES = ('script', 'static_files', 'static_dir')
FLEXIBLE_RUNTIMES = ('custom', 'python-compat')
FLEXIBLE_ENVS = ('2', 'flex', 'flexible')


def check_raw_app_yaml(path, raw):
    """Checks the app.yaml mapping as YAML parsed it (`raw`), before the SDK's parser converts its values."""
    if not isinstance(raw, dict):
        return  # the SDK's parser says what is wrong with it
    threadsafe = raw.get('threadsafe')
    if threadsafe is not None and not isinstance(threadsafe, bool):
        raise StartupError(path, 'threadsafe', '%r: expected true or false' % threadsafe)
    variables = raw.get('env_variables')
    if isinstance(variables, dict):
        for name, value in sorted(variables.items()):
            if isinstance(value, (dict, list)):
                raise StartupError(path, 'env_variables.%s' % name, 'expected a string, got a %s'
                                   % ('mapping' if isinstance(value, dict) else 'list'))


def check_runtime(path, info):
    """Refuses a runtime App Engine would not have run this app with (see the module docstring)."""
    runtime = info.GetEffectiveRuntime()
    flexible = info.env in FLEXIBLE_ENVS
    if runtime == 'python27' and not flexible:
        return
    if runtime in FLEXIBLE_RUNTIMES and info.IsVm():
        return
    if runtime == 'python27':
        problem = ("'python27' with env: %s: App Engine Flexible took runtime custom or python-compat for a "
                   "python27 app" % info.env)
    elif runtime in FLEXIBLE_RUNTIMES:
        problem = '%r: only with env: flex (or vm: true), as on App Engine Flexible' % runtime
    else:
        problem = '%r: expected python27 (or custom / python-compat with env: flex)' % runtime
    raise StartupError(path, 'runtime', problem)


def check_handlers(path, handlers):
    """Refuses an app without handlers, a handler kind this runtime does not serve, and bad regexes."""
    if not handlers:
        raise StartupError(path, 'handlers', 'none given: expected at least one (App Engine refused such an '
                           'app.yaml)')
    for index, handler in enumerate(handlers):
        key = 'handlers[%d]' % index
        kind = handler.GetHandlerType()
        if kind not in SERVED_HANDLER_TYPES:
            raise StartupError(path, key, '%s handlers are not supported by this runtime' % kind)
        if not handler.url:
            raise StartupError(path, key + '.url', 'missing: expected the URL pattern the handler serves')
        _check_regex(path, key + '.url', handler.url)
        if handler.upload:
            _check_regex(path, key + '.upload', handler.upload)


def _check_regex(path, key, pattern):
    """The SDK checks only a pattern's first characters; the runtime matches it against whole paths."""
    try:
        re.compile('^(?:%s)$' % pattern)
    except re.error as error:
        raise StartupError(path, key, '%r: not a regular expression: %s' % (pattern, error))


def check_app_yaml(path, info):
    """Every check of the parsed app.yaml (`info`, the SDK's AppInfoExternal)."""
    check_runtime(path, info)
    check_handlers(path, info.handlers)
