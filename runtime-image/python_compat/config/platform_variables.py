"""The python27 platform variables (APPLICATION_ID, CURRENT_VERSION_ID, ...) mapped from today's hosts.

App Engine Flexible / second generation set GAE_*, Cloud Run sets K_*; python27 apps read the old names.
Local runs get sane defaults. These are process-wide: set once at start-up, before the app is imported.
"""

SDK_VERSION = '1.9.88'
DEFAULT_APP_ID = 'python-compat-app'


def application_id(settings, app_yaml_application):
    """`partition~appid`: APPLICATION_ID if the operator set it, else from GAE_APPLICATION, the project or
    app.yaml's `application:`. Google hosts use the `s~` partition, everything else `dev~`."""
    if settings.application_id:
        return settings.application_id
    if settings.gae_application:
        app = settings.gae_application
        return app if '~' in app else 's~' + app
    partition = 's' if settings.on_google_host else 'dev'
    return '%s~%s' % (partition, settings.project or app_yaml_application or DEFAULT_APP_ID)


def bare_app_id(app_id):
    """`myapp` from `s~myapp` (the form project-scoped names and the API server's stubs use)."""
    return app_id.split('~', 1)[-1]


def platform_variables(settings, app_config):
    """The process-wide python27 variables, then app.yaml's env_variables on top (as on App Engine)."""
    app_id = application_id(settings, app_config.application)
    service = settings.service or app_config.service or 'default'
    major = settings.version or app_config.version or 'local'
    variables = {
        'APPLICATION_ID': app_id,
        'CURRENT_MODULE_ID': service,
        'CURRENT_VERSION_ID': '%s.%s' % (major, settings.gae_deployment_id or '1'),
        'INSTANCE_ID': settings.instance,
        'APPENGINE_RUNTIME': 'python27',
        'AUTH_DOMAIN': settings.auth_domain,
        'DATACENTER': settings.datacenter,
        'DEFAULT_VERSION_HOSTNAME': settings.default_version_hostname
                                    or ('%s.appspot.com' % bare_app_id(app_id) if settings.on_google_host
                                        else 'localhost:%d' % settings.port),
        # Apps branch on the prefix: "Google App Engine/" means production, "Development/" a local server.
        # Production wherever the runtime serves, unless the operator chose the development mode.
        'SERVER_SOFTWARE': settings.server_software
                           or ('Development/%s python-compat' % SDK_VERSION if settings.development_mode
                               else 'Google App Engine/%s' % SDK_VERSION),
        'GOOGLE_CLOUD_PROJECT': settings.project or bare_app_id(app_id),
    }
    variables.update((str(key), str(value)) for key, value in app_config.env_variables.items())
    return variables
