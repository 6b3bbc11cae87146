"""settings: every environment variable the runtime reads, its default, and its one-line start-up error."""

import mock
import pytest

from python_compat.config import variables
from python_compat.config import settings
from python_compat.errors import StartupError
from python_compat.wire import internal_token
from python_compat.config.settings import Settings


def startup_error(**environ):
    with pytest.raises(StartupError) as error:
        Settings(environ)
    return str(error.value)


def test_defaults_with_an_empty_environment():
    with mock.patch('socket.gethostname', return_value='host-1'):
        configured = Settings({})

    assert (configured.app_root, configured.port, configured.web_concurrency) == ('/app', 8080, None)
    assert (configured.log_format, configured.log_level) == ('json', 'DEBUG')
    assert configured.trusted_proxies == []
    assert configured.health_check_path == '/_ah/health'
    assert (configured.project, configured.gae_application, configured.service, configured.version,
            configured.gae_deployment_id, configured.server_software) == (None,) * 6
    assert configured.instance == 'host-1'
    assert configured.on_google_host is False
    assert configured.ndb_debug is False


def test_app_root():
    assert Settings({'APP_ROOT': '/srv/app'}).app_root == '/srv/app'


def test_port():
    assert Settings({'PORT': '9000'}).port == 9000


@pytest.mark.parametrize('value', ['0', '65536', 'http', '', '-1', '80.5', ' 80'])
def test_bad_port_is_one_line_naming_the_variable(value):
    assert startup_error(PORT=value) == 'environment: PORT: %r: expected a TCP port number 1-65535' % value


@pytest.mark.parametrize('value, expected', [('1048576', 1 << 20), ('512K', 512 << 10), ('256m', 256 << 20),
                                             ('2G', 2 << 30)])
def test_upload_max_bytes_takes_a_size_with_a_binary_unit(value, expected):
    assert Settings({'UPLOAD_MAX_BYTES': value}, 'api-server').upload_max_bytes == expected


@pytest.mark.parametrize('value', ['0', '1.5G', '10T', 'lots', ''])
def test_bad_upload_max_bytes_is_one_line_naming_the_variable(value):
    with pytest.raises(StartupError) as error:
        Settings({'UPLOAD_MAX_BYTES': value}, 'api-server')

    assert str(error.value).startswith('environment: UPLOAD_MAX_BYTES: %r: expected a size in bytes' % value)


def test_web_concurrency():
    assert Settings({'WEB_CONCURRENCY': '4'}).web_concurrency == 4


def test_empty_web_concurrency_means_unset():
    assert Settings({'WEB_CONCURRENCY': ''}).web_concurrency is None


@pytest.mark.parametrize('value', ['0', '-2', 'four', '1.5'])
def test_bad_web_concurrency_is_one_line_naming_the_variable(value):
    assert startup_error(WEB_CONCURRENCY=value) == (
        'environment: WEB_CONCURRENCY: %r: expected a whole number of at least 1' % value)


@pytest.mark.parametrize('value, expected', [('text', 'text'), ('TEXT', 'text'), ('Json', 'json')])
def test_log_format_is_case_insensitive(value, expected):
    assert Settings({'LOG_FORMAT': value}).log_format == expected


def test_bad_log_format_is_one_line_naming_the_choices():
    assert startup_error(LOG_FORMAT='xml') == "environment: LOG_FORMAT: 'xml': expected one of json, text"


@pytest.mark.parametrize('value, expected', [('info', 'INFO'), ('Warning', 'WARNING'), ('CRITICAL', 'CRITICAL')])
def test_log_level_is_case_insensitive(value, expected):
    assert Settings({'LOG_LEVEL': value}).log_level == expected


def test_bad_log_level_is_one_line_naming_the_choices():
    assert startup_error(LOG_LEVEL='verbose') == (
        "environment: LOG_LEVEL: 'verbose': expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL")


def test_trusted_proxies_are_parsed_networks():
    proxies = Settings({'TRUSTED_PROXIES': '10.0.0.0/8, ::1'}).trusted_proxies

    assert [network.text for network in proxies] == ['10.0.0.0/8', '::1']


def test_bad_trusted_proxies_is_one_line_naming_the_variable():
    line = startup_error(TRUSTED_PROXIES='10.0.0.0/8,proxy.local')

    assert line.startswith('environment: TRUSTED_PROXIES: ')
    assert 'proxy.local' in line and line.endswith('(expected comma-separated IPs or CIDR networks)')
    assert '\n' not in line


def test_health_check_path():
    assert Settings({'HEALTH_CHECK_PATH': '/healthz'}).health_check_path == '/healthz'


def test_project_from_google_cloud_project():
    assert Settings({'GOOGLE_CLOUD_PROJECT': 'p1', 'GCLOUD_PROJECT': 'p2'}).project == 'p1'


def test_project_from_gcloud_project_when_google_cloud_project_is_unset():
    assert Settings({'GCLOUD_PROJECT': 'p2'}).project == 'p2'


def test_gae_application():
    assert Settings({'GAE_APPLICATION': 's~myapp'}).gae_application == 's~myapp'


@pytest.mark.parametrize('environ, expected', [
    ({'GAE_SERVICE': 'api', 'K_SERVICE': 'run'}, 'api'),
    ({'K_SERVICE': 'run'}, 'run'),
])
def test_service_from_gae_service_else_k_service(environ, expected):
    assert Settings(environ).service == expected


@pytest.mark.parametrize('environ, expected', [
    ({'GAE_VERSION': 'v2', 'K_REVISION': 'run-00001'}, 'v2'),
    ({'K_REVISION': 'run-00001'}, 'run-00001'),
])
def test_version_from_gae_version_else_k_revision(environ, expected):
    assert Settings(environ).version == expected


def test_deployment_id():
    assert Settings({'GAE_DEPLOYMENT_ID': '123'}).gae_deployment_id == '123'


def test_instance_from_gae_instance():
    assert Settings({'GAE_INSTANCE': 'inst-7'}).instance == 'inst-7'


@pytest.mark.parametrize('name', ['GAE_INSTANCE', 'K_SERVICE', 'GAE_SERVICE'])
def test_platform_variable_means_on_a_google_host(name):
    assert Settings({name: 'x'}).on_google_host is True


def test_server_software():
    assert Settings({'SERVER_SOFTWARE': 'Custom/1'}).server_software == 'Custom/1'


def test_read_settings_reads_os_environ(monkeypatch):
    monkeypatch.setenv('PORT', '8123')

    assert settings.read_settings().port == 8123


@pytest.mark.parametrize('value, expected', [('1', True), ('true', True), ('ON', True), ('yes', True),
                                             ('0', False), ('false', False), ('off', False), ('', False)])
def test_ndb_debug(value, expected):
    assert Settings({'NDB_DEBUG': value}).ndb_debug is expected


def test_bad_ndb_debug_is_one_line():
    assert startup_error(NDB_DEBUG='verbose') == (
        "environment: NDB_DEBUG: 'verbose': expected 1 or 0 (also true/false, on/off, yes/no)")


def test_shared_secret_is_read_and_leaves_the_environment():
    environ = {'INTERNAL_REQUEST_SECRET': 's' * 40}

    assert Settings(environ).internal_request_secret == 's' * 40
    assert environ == {}


def test_short_shared_secret_is_a_start_up_error():
    with pytest.raises(StartupError) as raised:
        Settings({'INTERNAL_REQUEST_SECRET': 'short'})

    assert 'INTERNAL_REQUEST_SECRET' in str(raised.value)
    assert 'short' not in str(raised.value)


def test_shared_secret_becomes_the_internal_token(monkeypatch):
    monkeypatch.setattr(internal_token._Token, 'value', 'random')
    monkeypatch.setattr(internal_token._Token, 'shared', False)
    monkeypatch.setattr(internal_token._Token, 'sha256', 'random-sha256')

    internal_token.use_secret('s' * 40)

    assert (internal_token.token(), internal_token.is_shared_secret()) == ('s' * 40, True)


def test_cron_is_off_unless_enabled():
    assert Settings({}).cron_enabled is False
    assert Settings({'CRON_ENABLED': 'false'}).cron_enabled is False
    assert Settings({'CRON_ENABLED': 'true'}).cron_enabled is True


def test_unclear_cron_enabled_is_a_start_up_error():
    with pytest.raises(StartupError) as raised:
        Settings({'CRON_ENABLED': 'sometimes'})

    assert 'CRON_ENABLED' in raised.value.line()


def test_cron_clock_speedup_must_be_positive():
    assert Settings({}).cron_clock_speedup == 1
    with pytest.raises(StartupError):
        Settings({'CRON_CLOCK_SPEEDUP': '0'})


def test_the_api_servers_variables_are_kept_for_it_and_hidden_from_the_app():
    environ = {'MEMCACHE_SERVERS': 'cache:11211', 'PORT': '8080'}

    settings = Settings(environ)

    assert settings.api_server_environment == {'MEMCACHE_SERVERS': 'cache:11211'}
    assert environ == {'PORT': '8080'}


# The development mode and the development sign-in page

def test_production_mode_by_default():
    configured = Settings({})

    assert (configured.development_mode, configured.identity_source) == (False, 'none')


def test_the_development_mode_signs_in_through_the_development_page_by_default():
    configured = Settings({'DEVELOPMENT_MODE': 'true'})

    assert configured.identity_source == 'dev-login'
    assert ('IDENTITY_SOURCE', 'dev-login', 'default of DEVELOPMENT_MODE') in configured.described()


def test_the_development_mode_keeps_an_identity_source_chosen_explicitly():
    assert Settings({'DEVELOPMENT_MODE': 'true', 'IDENTITY_SOURCE': 'none'}).identity_source == 'none'


def test_the_development_sign_in_page_needs_the_development_mode():
    assert startup_error(IDENTITY_SOURCE='dev-login') == (
        'environment: IDENTITY_SOURCE: dev-login: the development sign-in page lets anyone sign in as anyone; it '
        'needs DEVELOPMENT_MODE=true (never in production)')


def test_smtp_settings_are_the_api_servers_and_never_reach_the_app():
    environ = {'APPENGINE_USE_SMTP_MAIL_SERVICE': 'true', 'APPENGINE_SMTP_HOST': 'smtp.example.com',
               'APPENGINE_SMTP_PASSWORD': 'pw', 'PORT': '8080'}

    settings = Settings(environ)

    assert settings.api_server_environment == {'APPENGINE_USE_SMTP_MAIL_SERVICE': 'true',
                                               'APPENGINE_SMTP_HOST': 'smtp.example.com',
                                               'APPENGINE_SMTP_PASSWORD': 'pw'}
    assert environ == {'PORT': '8080'}


def test_the_api_server_reads_the_smtp_password_and_removes_it():
    environ = {'APPENGINE_SMTP_PASSWORD': 'pw', 'APPENGINE_SMTP_HOST': 'smtp.example.com'}

    settings = Settings(environ, variables.API_SERVER)

    assert (settings.appengine_smtp_password, settings.appengine_smtp_port) == ('pw', 587)
    assert environ == {'APPENGINE_SMTP_HOST': 'smtp.example.com'}
    assert ('APPENGINE_SMTP_PASSWORD', '<hidden>', 'environment') in settings.described()


def test_the_api_server_secret_is_read_by_both_and_leaves_the_environment():
    for process in (variables.APP, variables.API_SERVER):
        environ = {'API_SERVER_SECRET': 'a' * 40}
        assert Settings(environ, process).api_server_secret == 'a' * 40
        assert environ == {}
    with pytest.raises(StartupError):
        Settings({'API_SERVER_SECRET': 'short'})
