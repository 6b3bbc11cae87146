"""The settings of one process, read once at start-up from the environment through the table in variables.py.

Every value is parsed and checked there; a bad one stops the process with one line naming the variable and what
was expected. Secrets are removed from the environment once read, so the app cannot print them.
"""

import os
import socket

from python_compat.config import variables
from python_compat.errors import StartupError


def read_variable(name, environ=os.environ):
    """The parsed value of one variable (its default when unset); StartupError when it is malformed."""
    variable = variables.BY_NAME[name]
    text = environ.get(name)
    if text is None:
        text = variable.default
    if text is None:
        return None
    try:
        return variable.parse(text)
    except ValueError as error:
        problem = str(error)
        if not problem.startswith(("'", '"')):
            problem = '%s: %s' % ('<hidden>' if variable.secret else repr(text), problem)
        raise StartupError('environment', name, problem)


class Settings(object):
    """What the operator configured through the environment for one process (app.yaml is read separately).

    Each variable of variables.VARIABLES that `process` reads is an attribute named after it in lower case
    (`PORT` -> `port`); `sources` says for each whether it came from the environment or the default.
    """

    def __init__(self, environ, process=variables.APP):
        self.process = process
        self.sources = {}
        # The API server's own variables, as found: handed to an embedded API server, never seen by the app
        # (some change what the SDK does in the app's process, e.g. DATASTORE_PROJECT_ID).
        self.api_server_environment = {}
        # ...and what they say, parsed (by attribute name: `datastore_backend`, `memcache_servers`...).
        self.api_server_values = api_server_values = {}
        for variable in variables.VARIABLES:
            if process == variables.APP and variable.read_by == (variables.API_SERVER,):
                # Checked here too: a mistake stops the container with one line before any API server starts.
                api_server_values[variable.attribute] = read_variable(variable.name, environ)
                if variable.name in environ:
                    self.api_server_environment[variable.name] = environ.pop(variable.name)
                continue
            if process not in variable.read_by:
                continue
            setattr(self, variable.attribute, read_variable(variable.name, environ))
            self.sources[variable.name] = 'environment' if variable.name in environ else 'default'
            if variable.removed:
                environ.pop(variable.name, None)
        if process == variables.APP:
            _apply_development_mode(self, environ)
            _check_identity_source(self)
            _check_datastore_backend(api_server_values)
            self.instance = self.gae_instance or socket.gethostname()
        else:
            _check_datastore_backend(self.__dict__)

    # The platform variables of App Engine Flexible / second generation and Cloud Run, mapped onto the names
    # python27 apps read. Unset means "not on that platform".

    @property
    def project(self):
        return self.google_cloud_project or self.gcloud_project

    @property
    def service(self):
        return self.gae_service or self.k_service

    @property
    def version(self):
        return self.gae_version or self.k_revision

    @property
    def on_google_host(self):
        return bool(self.gae_instance or self.k_service or self.gae_service)

    def described(self):
        """(name, shown value, source) of every variable this process read, secrets hidden, for print-config."""
        rows = []
        for variable in variables.VARIABLES:
            if variable.name not in self.sources:
                continue
            value = getattr(self, variable.attribute)
            shown = '<hidden>' if variable.secret and value else _shown(value)
            rows.append((variable.name, shown, self.sources[variable.name]))
        return rows


def _shown(value):
    if isinstance(value, (list, tuple, frozenset, set)):
        return ','.join(sorted(str(getattr(item, 'text', item)) for item in value)) or '(none)'
    return '(unset)' if value is None else str(value)


def _apply_development_mode(settings, environ):
    """The development sign-in page belongs to DEVELOPMENT_MODE: its default identity source there, refused
    anywhere else (anyone could sign in as an administrator)."""
    if settings.development_mode and 'IDENTITY_SOURCE' not in environ:
        settings.identity_source = 'dev-login'
        settings.sources['IDENTITY_SOURCE'] = 'default of DEVELOPMENT_MODE'
    if settings.identity_source == 'dev-login' and not settings.development_mode:
        raise StartupError('environment', 'IDENTITY_SOURCE', 'dev-login: the development sign-in page lets anyone '
                           'sign in as anyone; it needs DEVELOPMENT_MODE=true (never in production)')


def _check_identity_source(settings):
    if settings.identity_source == 'iap' and not settings.iap_audience:
        raise StartupError('environment', 'IAP_AUDIENCE', 'required with IDENTITY_SOURCE=iap: the `aud` of '
                           "your IAP JWTs, e.g. /projects/NUMBER/apps/PROJECT_ID")
    if settings.identity_source == 'proxy' and not (settings.trusted_proxies or settings.proxy_secret
                                                   or settings.proxy_secret_sha256):
        raise StartupError('environment', 'IDENTITY_SOURCE', 'proxy: set TRUSTED_PROXIES and/or PROXY_SECRET '
                           'so that only your proxy can name the user')


def _check_datastore_backend(values):
    """Cloud Datastore needs its project: StartupError naming DATASTORE_PROJECT_ID when it is missing.
    `values`: the API server's settings by attribute name."""
    if values['datastore_backend'] == 'cloud-datastore' and not values['datastore_project_id']:
        raise StartupError('environment', 'DATASTORE_PROJECT_ID', 'required with DATASTORE_BACKEND=cloud-datastore: '
                           'the project whose database holds the data')


def read_settings(process=variables.APP, environ=os.environ):
    """The settings of `process` (variables.APP or variables.API_SERVER) from `environ`."""
    return Settings(environ, process)
