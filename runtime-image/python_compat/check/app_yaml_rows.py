"""The `check` rows of app.yaml: every element the app wrote, each handler and library, how the runtime serves it.

app.yaml is loaded exactly as `serve` loads it (app/appyaml.py), so what start-up refuses is a "cannot run" row.
Handlers are checked without importing the app: a script module that is not there is a warning, as at start-up.
"""

import os

from python_compat.app import appyaml
from python_compat.app import cgi_scripts
from python_compat.app import static_files
from python_compat.check import library_support
from python_compat.check import rows
from python_compat.check import script_resolution
from python_compat.check.rows import Row
from python_compat.errors import StartupError

APP_YAML = 'app.yaml'
# Elements the container host decides (sizes, scaling, networking) and deploy-only settings.
HOST_DECIDES = ('instance_class', 'automatic_scaling', 'manual_scaling', 'basic_scaling', 'resources', 'network',
                'beta_settings', 'vm_settings', 'vm_health_check', 'health_check', 'zones', 'service_account',
                'entrypoint', 'runtime_config', 'vpc_access_connector', 'nobuild_files', 'code_lock',
                'admin_console', 'pagespeed', 'derived_file_type', 'endpoints_api_service', 'api_config',
                'standard_websocket', 'app_engine_apis', 'build_env_variables', 'runtime_channel', 'main')
REQUEST_TIME = 'a start-up warning; STRICT_STARTUP=true stops the container instead'
# Handlers only the platform calls (deferred tasks, warmup): their `login: admin` concerns no person.
PLATFORM_PATHS = ('/_ah/queue/', '/_ah/warmup')


def load(app_root):
    """(config, rows): the AppConfig (None when start-up would refuse app.yaml) and the rows of app.yaml."""
    path = os.path.join(app_root, APP_YAML)
    try:
        config = appyaml.load_app_yaml(path)
    except StartupError as error:
        return None, [Row(APP_YAML, rows.CANNOT_RUN, error.line(), rows.APP_YAML)]
    written = _written_elements(path)
    found = []
    for element in ORDER:
        if element in written:
            found.extend(ELEMENT_ROWS[element](config))
    for element in sorted(written - set(ORDER)):
        found.append(_ignored_element(element, config))
    if 'handlers' not in written:  # all of them come from includes or builtins
        found.extend(handler_rows(config))
    return config, found


def _written_elements(path):
    with open(path) as app_yaml:
        raw = appyaml.plain_yaml(app_yaml.read())
    return set(raw) if isinstance(raw, dict) else set()


def _value(config, element):
    return getattr(config.info, element)


def _row(element, status, detail, section=rows.APP_YAML, shown=None):
    what = 'app.yaml %s' % element
    if shown is not None:
        what += ': %s' % shown
    return Row(what, status, detail, section)


def runtime_rows(config):
    if config.runtime == 'python27':
        return [_row('runtime', rows.AS_ON_APP_ENGINE, '', shown='python27')]
    return [_row('runtime', rows.AS_ON_APP_ENGINE, 'deployed to App Engine Flexible, as this image is',
                 shown='%s, env: %s' % (config.runtime, config.info.env or 'vm'))]


def threadsafe_rows(config):
    if config.threadsafe:
        return [_row('threadsafe', rows.AS_ON_APP_ENGINE, 'concurrent requests in each worker', shown='true')]
    return [_row('threadsafe', rows.AS_ON_APP_ENGINE, 'one request at a time in each worker', shown='false')]


def handler_rows(config):
    return [handler_row(config, index, url_map) for index, url_map in enumerate(config.handlers)]


def handler_row(config, index, url_map):
    """One handler: where it is served from, then its login and secure rules."""
    kind = url_map.GetHandlerType()
    target = getattr(url_map, kind)
    what = 'app.yaml handlers[%d]: %s -> %s %s' % (index, url_map.url, kind, target)
    if kind == 'script':
        status, detail = _script_status(config, target)
    elif kind == 'static_dir':
        status, detail = _static_dir_status(config, target)
    else:
        status, detail = rows.AS_ON_APP_ENGINE, ''
    details = [detail] if detail else []
    for rule_status, rule_detail in _rules(url_map):
        if status == rows.AS_ON_APP_ENGINE:
            status = rule_status
        details.append(rule_detail)
    section = rows.IDENTITY if url_map.login in ('required', 'admin') else rows.APP_YAML
    return Row(what, status, '; '.join(details), section)


def _script_status(config, script):
    if cgi_scripts.is_cgi_script(script):
        if config.threadsafe:
            return rows.CANNOT_RUN, 'a CGI script needs `threadsafe: false`'
        path = cgi_scripts.cgi_script_path(config.root, script)
        problem = cgi_scripts.cgi_script_problem(path)
        if problem is None:
            return rows.AS_ON_APP_ENGINE, 'CGI script %s' % script_resolution.shown_path(config.root, path)
        answer = 404 if not os.path.isfile(path) else 500
        return rows.WARNING, '%s: requests to it answer %d (%s)' % (problem, answer, REQUEST_TIME)
    if script_resolution.is_sdk_script(script):
        return rows.AS_ON_APP_ENGINE, "the SDK's handler"
    module, path = script_resolution.resolve_wsgi_script(config.root, script)
    if module is None:
        return rows.WARNING, ('no module %r in the app root: requests to it answer 500 (%s)'
                              % (script.split('.')[0], REQUEST_TIME))
    return rows.AS_ON_APP_ENGINE, 'module %s (%s)' % (module, script_resolution.shown_path(config.root, path))


def _static_dir_status(config, static_dir):
    path = static_files.resolve_inside(config.root, static_dir)
    if path is None or not os.path.isdir(path):
        return rows.WARNING, 'no such directory: its requests answer 404 (%s)' % REQUEST_TIME
    return rows.AS_ON_APP_ENGINE, ''


def _rules(url_map):
    """(status, detail) of each rule of a handler beyond where it is served from."""
    if url_map.login == 'admin' and url_map.url.startswith(PLATFORM_PATHS):
        yield rows.AS_ON_APP_ENGINE, "login: admin: the runtime's own requests pass as an administrator"
    elif url_map.login in ('required', 'admin'):
        yield (rows.needs('IDENTITY_SOURCE'), 'login: %s: people are anonymous until an identity source signs them '
               'in (until then: %s)%s' % (url_map.login, 'a 401' if url_map.auth_fail_action == 'unauthorized'
                                         else 'a redirect to /_ah/login',
                                         "; the runtime's own tasks, cron and warmup pass as an administrator"
                                         if url_map.login == 'admin' else ''))
    if url_map.secure == 'always':
        yield (rows.needs('TRUSTED_PROXIES'), 'secure: always redirects plain HTTP to https; behind a TLS proxy '
               'its X-Forwarded-Proto counts only from TRUSTED_PROXIES')
    if url_map.application_readable:
        yield rows.AS_ON_APP_ENGINE, 'application_readable: static files are always readable by the app'


def library_rows(config):
    """One row per library App Engine enabled for app.yaml's `libraries:` (the named ones and what they require)."""
    from python_compat.builtin_libraries import catalog
    entries = catalog.load()
    found = []
    for served in library_support.served_libraries(config.libraries):
        entry = entries.lookup(served.name, served.version)
        status, detail = library_support.library_support(served, config.root, entry.module if entry else None)
        found.append(Row(_library_what(served), status, detail, rows.APP_YAML))
    return found


def _library_what(served):
    """'app.yaml libraries[0]: jinja2 2.6', or with why it is there: '... markupsafe 0.15 (jinja2 2.6 requires
    markupsafe)'."""
    index, _, note = served.key.partition(' (')
    note = note[:-1] if note.endswith(')') else note
    what = 'app.yaml %s: %s %s' % (index, served.name, served.version)
    return what if note in ('', served.name) else '%s (%s)' % (what, note)


def builtins_rows(config):
    found = []
    for builtin in config.info.builtins or []:
        for name, state in sorted(builtin.ToDict().items()):
            if state != 'on' or name == 'default':  # `default` is implied by any builtins list
                continue
            if name == 'deferred':
                found.append(_row('builtins', rows.AS_ON_APP_ENGINE, '/_ah/queue/deferred, reached by the '
                                  "runtime's own task requests", rows.TASKS, shown=name))
            elif name == 'remote_api':
                found.append(_row('builtins', rows.needs('IDENTITY_SOURCE'), 'remote_api serves administrators '
                                  'only', rows.IDENTITY, shown=name))
            else:
                found.append(_row('builtins', rows.NOT_CHECKED, "the SDK's handler, untested here", shown=name))
    return found


def inbound_services_rows(config):
    found = []
    for service in config.inbound_services:
        if service == 'warmup':
            found.append(_row('inbound_services', rows.AS_ON_APP_ENGINE, 'one GET /_ah/warmup per container before '
                              'it is ready', rows.HEALTH, shown=service))
        elif service in ('mail', 'mail_bounce'):
            found.append(_row('inbound_services', rows.NOT_SUPPORTED, 'nothing delivers mail into a container; '
                              '/_ah/mail/ answers the runtime and administrators only', rows.UNSUPPORTED,
                              shown=service))
        else:
            found.append(_row('inbound_services', rows.NOT_SUPPORTED, '', rows.UNSUPPORTED, shown=service))
    return found


def error_handlers_rows(config):
    found = []
    for index, error_handler in enumerate(config.error_handlers):
        code = error_handler.error_code or 'default'
        element = 'error_handlers[%d]' % index
        shown = '%s -> %s' % (code, error_handler.file)
        path = static_files.resolve_inside(config.root, error_handler.file)
        if path is None or not os.path.isfile(path):
            found.append(_row(element, rows.WARNING, "no such file: the runtime's own error page serves (%s)"
                              % REQUEST_TIME, shown=shown))
        elif code == 'default':
            found.append(_row(element, rows.AS_ON_APP_ENGINE, "for the runtime's own 404s and the app's 500s",
                              shown=shown))
        else:
            found.append(_row(element, rows.IGNORED, 'the runtime never produces %s errors' % code,
                              rows.UNSUPPORTED, shown=shown))
    return found


def _plain(element, status, detail, section=rows.APP_YAML, shown=None):
    """An ELEMENT_ROWS entry that is one fixed row."""
    return lambda config: [_row(element, status, detail, section, shown(config) if shown else None)]


def _ignored_element(element, config):
    if element in HOST_DECIDES:
        return _row(element, rows.IGNORED, 'the container host sizes, scales and connects the containers')
    return _row(element, rows.IGNORED, 'no effect at run time here')


ELEMENT_ROWS = {
    'runtime': runtime_rows,
    'env': _plain('env', rows.AS_ON_APP_ENGINE, 'App Engine Flexible', shown=lambda config: config.info.env),
    'vm': _plain('vm', rows.AS_ON_APP_ENGINE, 'App Engine Flexible (Managed VMs)'),
    'api_version': _plain('api_version', rows.AS_ON_APP_ENGINE, ''),
    'threadsafe': threadsafe_rows,
    'application': _plain('application', rows.AS_ON_APP_ENGINE, 'APPLICATION_ID when neither the platform nor '
                          'APPLICATION_ID sets it', rows.VARIABLES, shown=lambda config: config.application),
    'project': _plain('project', rows.AS_ON_APP_ENGINE, 'APPLICATION_ID when neither the platform nor '
                      'APPLICATION_ID sets it', rows.VARIABLES, shown=lambda config: config.application),
    'service': _plain('service', rows.AS_ON_APP_ENGINE, 'CURRENT_MODULE_ID unless the platform sets it',
                      rows.VARIABLES, shown=lambda config: config.service),
    'module': _plain('module', rows.AS_ON_APP_ENGINE, 'CURRENT_MODULE_ID unless the platform sets it',
                     rows.VARIABLES, shown=lambda config: config.service),
    'version': _plain('version', rows.AS_ON_APP_ENGINE, 'CURRENT_VERSION_ID unless the platform sets it',
                      rows.VARIABLES, shown=lambda config: config.version),
    'includes': _plain('includes', rows.AS_ON_APP_ENGINE, 'expanded by the SDK: their elements are listed here'),
    'builtins': builtins_rows,
    'handlers': handler_rows,
    'libraries': library_rows,
    'env_variables': _plain('env_variables', rows.AS_ON_APP_ENGINE, 'in os.environ of every request',
                            shown=lambda config: rows.count(len(config.env_variables), 'variable')),
    'default_expiration': _plain('default_expiration', rows.AS_ON_APP_ENGINE, '',
                                 shown=lambda config: config.default_expiration),
    'error_handlers': error_handlers_rows,
    'inbound_services': inbound_services_rows,
    'liveness_check': _plain('liveness_check', rows.AS_ON_APP_ENGINE, 'answered by the runtime', rows.HEALTH,
                             shown=lambda config: config.liveness_path),
    'readiness_check': _plain('readiness_check', rows.AS_ON_APP_ENGINE, 'answered by the runtime once the app is '
                              'loaded', rows.HEALTH, shown=lambda config: config.readiness_path),
    'skip_files': _plain('skip_files', rows.IGNORED, 'the image holds what its Dockerfile copies (use '
                         '.dockerignore)'),
    'auto_id_policy': _plain('auto_id_policy', rows.IGNORED, 'new ids are scattered, App Engine\'s default'),
}
ORDER = ('runtime', 'env', 'vm', 'api_version', 'threadsafe', 'application', 'project', 'service', 'module',
         'version', 'includes', 'builtins', 'handlers', 'libraries', 'env_variables', 'default_expiration',
         'error_handlers', 'inbound_services', 'liveness_check', 'readiness_check', 'skip_files', 'auto_id_policy')
