"""platform_environ: python27's platform variables from GAE_*, K_* and GOOGLE_CLOUD_PROJECT, with defaults."""

import pytest

from python_compat.config.platform_variables import application_id, bare_app_id, platform_variables
from python_compat.config.settings import Settings


class AppYaml(object):
    """The parts of an AppConfig platform_environ reads."""

    def __init__(self, application=None, service=None, version=None, env_variables=None):
        self.application = application
        self.service = service
        self.version = version
        self.env_variables = env_variables or {}


def local(environ=None, app_yaml=None):
    """Variables on a host with no Google platform variables."""
    environ = dict(environ or {})
    return platform_variables(Settings(environ), app_yaml or AppYaml())


def test_application_id_set_by_the_operator_wins():
    environ = {'APPLICATION_ID': 'e~mine', 'GAE_APPLICATION': 's~other', 'GOOGLE_CLOUD_PROJECT': 'p'}

    assert application_id(Settings(environ), 'yaml-app') == 'e~mine'


@pytest.mark.parametrize('gae_application, expected', [('s~myapp', 's~myapp'), ('myapp', 's~myapp'),
                                                       ('e~myapp', 'e~myapp')])
def test_application_id_from_gae_application(gae_application, expected):
    environ = {'GAE_APPLICATION': gae_application}

    assert application_id(Settings(environ), None) == expected


@pytest.mark.parametrize('platform_variable', ['GAE_SERVICE', 'K_SERVICE', 'GAE_INSTANCE'])
def test_application_id_on_a_google_host_uses_the_s_partition(platform_variable):
    environ = {'GOOGLE_CLOUD_PROJECT': 'proj', platform_variable: 'x'}

    assert application_id(Settings(environ), None) == 's~proj'


def test_application_id_elsewhere_uses_the_dev_partition():
    assert local({'GOOGLE_CLOUD_PROJECT': 'proj'})['APPLICATION_ID'] == 'dev~proj'


def test_application_id_from_app_yaml_application():
    assert local(app_yaml=AppYaml(application='yaml-app'))['APPLICATION_ID'] == 'dev~yaml-app'


def test_application_id_default():
    assert local()['APPLICATION_ID'] == 'dev~python-compat-app'


@pytest.mark.parametrize('environ, app_yaml, service', [
    ({'GAE_SERVICE': 'gae'}, AppYaml(service='yaml'), 'gae'),
    ({'K_SERVICE': 'run'}, AppYaml(service='yaml'), 'run'),
    ({}, AppYaml(service='yaml'), 'yaml'),
    ({}, AppYaml(), 'default'),
])
def test_current_module_id(environ, app_yaml, service):
    assert local(environ, app_yaml)['CURRENT_MODULE_ID'] == service


@pytest.mark.parametrize('environ, app_yaml, version', [
    ({'GAE_VERSION': 'v2', 'GAE_DEPLOYMENT_ID': '4242'}, AppYaml(version='yaml'), 'v2.4242'),
    ({'K_REVISION': 'svc-00003'}, AppYaml(version='yaml'), 'svc-00003.1'),
    ({}, AppYaml(version='yaml'), 'yaml.1'),
    ({}, AppYaml(), 'local.1'),
])
def test_current_version_id_is_major_dot_minor(environ, app_yaml, version):
    assert local(environ, app_yaml)['CURRENT_VERSION_ID'] == version


def test_instance_id_from_gae_instance():
    assert local({'GAE_INSTANCE': 'abc123'})['INSTANCE_ID'] == 'abc123'


def test_fixed_python27_values_and_defaults():
    values = local()

    assert values['APPENGINE_RUNTIME'] == 'python27'
    assert (values['AUTH_DOMAIN'], values['DATACENTER']) == ('gmail.com', 'container')


def test_auth_domain_and_datacenter_from_the_environment():
    values = local({'AUTH_DOMAIN': 'example.com', 'DATACENTER': 'eu1'})

    assert (values['AUTH_DOMAIN'], values['DATACENTER']) == ('example.com', 'eu1')


def test_default_version_hostname_locally_is_localhost_and_port():
    assert local({'PORT': '9000'})['DEFAULT_VERSION_HOSTNAME'] == 'localhost:9000'


def test_default_version_hostname_on_a_google_host_is_appspot():
    assert local({'K_SERVICE': 'run', 'GOOGLE_CLOUD_PROJECT': 'proj'})['DEFAULT_VERSION_HOSTNAME'] == (
        'proj.appspot.com')


def test_default_version_hostname_from_the_environment():
    assert local({'DEFAULT_VERSION_HOSTNAME': 'app.example.com'})['DEFAULT_VERSION_HOSTNAME'] == 'app.example.com'


def test_server_software_says_production_on_a_google_host_and_everywhere_else():
    assert local({'GAE_SERVICE': 'default'})['SERVER_SOFTWARE'] == 'Google App Engine/1.9.88'
    assert local()['SERVER_SOFTWARE'] == 'Google App Engine/1.9.88'


def test_server_software_in_the_development_mode_says_development():
    assert local({'DEVELOPMENT_MODE': 'true'})['SERVER_SOFTWARE'] == 'Development/1.9.88 python-compat'


def test_server_software_from_the_environment():
    assert local({'SERVER_SOFTWARE': 'Google App Engine/1.9.99'})['SERVER_SOFTWARE'] == 'Google App Engine/1.9.99'


def test_google_cloud_project_from_the_project():
    assert local({'GCLOUD_PROJECT': 'proj'})['GOOGLE_CLOUD_PROJECT'] == 'proj'


def test_google_cloud_project_defaults_to_the_bare_app_id():
    assert local({'GAE_APPLICATION': 's~myapp'})['GOOGLE_CLOUD_PROJECT'] == 'myapp'


def test_env_variables_override_platform_values_as_strings():
    values = local(app_yaml=AppYaml(env_variables={'CURRENT_MODULE_ID': 'mine', u'RETRIES': 3}))

    assert values['CURRENT_MODULE_ID'] == 'mine'
    assert values['RETRIES'] == '3'
    assert all(type(key) is str and type(value) is str for key, value in values.items())


@pytest.mark.parametrize('app_id, bare', [('s~myapp', 'myapp'), ('dev~myapp', 'myapp'), ('myapp', 'myapp'),
                                          ('e~example.com:app', 'example.com:app')])
def test_bare_app_id_drops_the_partition(app_id, bare):
    assert bare_app_id(app_id) == bare
