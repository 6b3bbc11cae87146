"""The API server's settings and command line."""

import os

import pytest

from python_compat.apiserver import config


@pytest.mark.parametrize('given, expected', [('myapp', 'dev~myapp'), ('s~myapp', 's~myapp'),
                                             ('dev~myapp', 'dev~myapp')])
def test_app_id_gets_a_partition_only_when_it_has_none(given, expected):
    assert config.full_app_id(given) == expected


def test_command_line_defaults():
    settings = config.parse_args(['--app-id', 'myapp'])

    assert (settings.app_id, settings.host, settings.port, settings.storage_path) == (
        'dev~myapp', '127.0.0.1', 10001, config.DEFAULT_STORAGE_PATH)
    assert settings.datastore_consistency == 'consistent'


def test_command_line_sets_every_location(monkeypatch):
    monkeypatch.setenv('API_SERVER_SECRET', 's' * 40)
    settings = config.parse_args(['--app-id', 's~x', '--host', '0.0.0.0', '--port', '9000',
                                  '--storage-path', '/data', '--app-root', '/app'])

    assert (settings.app_id, settings.host, settings.port, settings.storage_path, settings.app_root) == (
        's~x', '0.0.0.0', 9000, '/data', '/app')


@pytest.mark.parametrize('argv', [[], ['--app-id', 'x', '--port', 'eighty'], ['--app-id', 'x', '--port', '70000'],
                                  ['--app-id', 's~'], ['--app-id', 'x', '--datastore-consistency', 'strong']])
def test_bad_command_line_exits_with_a_usage_error(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        config.parse_args(argv)

    assert exit_info.value.code == 2
    assert 'error:' in capsys.readouterr().err


def test_unknown_consistency_is_rejected_by_the_config_too():
    with pytest.raises(ValueError):
        config.ApiServerConfig('x', datastore_consistency='strong')


@pytest.mark.parametrize('host', ['0.0.0.0', '::', '10.1.2.3', 'api'])
def test_listening_beyond_loopback_without_a_secret_is_refused(host, capsys):
    with pytest.raises(SystemExit) as exit_info:
        config.parse_args(['--app-id', 'x', '--host', host])

    assert exit_info.value.code == 2
    assert 'set API_SERVER_SECRET' in capsys.readouterr().err


def test_listening_beyond_loopback_with_a_secret_authenticates_callers(monkeypatch):
    monkeypatch.setenv('API_SERVER_SECRET', 's' * 40)

    assert config.parse_args(['--app-id', 'x', '--host', '0.0.0.0']).api_server_secret == 's' * 40


def test_on_loopback_a_secret_is_optional():
    assert config.parse_args(['--app-id', 'x', '--host', '127.0.0.1']).api_server_secret is None


def test_mail_is_only_logged_by_default():
    settings = config.parse_args(['--app-id', 'x'])

    assert (settings.mail_relay, settings.admin_email_recipients) == (None, frozenset())


def test_smtp_mail_takes_the_python3_sdk_variables(monkeypatch):
    for name, value in {'APPENGINE_USE_SMTP_MAIL_SERVICE': 'true', 'APPENGINE_SMTP_HOST': 'smtp.example.com',
                        'APPENGINE_SMTP_USER': 'app', 'APPENGINE_SMTP_PASSWORD': 'pw',
                        'APPENGINE_ADMIN_EMAIL_RECIPIENTS': 'a@example.com, b@example.com'}.items():
        monkeypatch.setenv(name, value)

    settings = config.parse_args(['--app-id', 'x'])

    relay = settings.mail_relay
    assert (relay.host, relay.port, relay.user, relay.password, relay.use_tls) == (
        'smtp.example.com', 587, 'app', 'pw', True)
    assert settings.admin_email_recipients == frozenset(['a@example.com', 'b@example.com'])


def test_smtp_mail_without_a_host_is_a_usage_error(monkeypatch, capsys):
    monkeypatch.setenv('APPENGINE_USE_SMTP_MAIL_SERVICE', 'true')

    with pytest.raises(SystemExit):
        config.parse_args(['--app-id', 'x'])

    assert 'APPENGINE_SMTP_HOST: required with APPENGINE_USE_SMTP_MAIL_SERVICE=true' in capsys.readouterr().err


def test_upload_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv('UPLOAD_MAX_BYTES', '10M')
    monkeypatch.setenv('UPLOADS_IN_FLIGHT_MAX_BYTES', '1G')

    settings = config.parse_args(['--app-id', 'x'])

    assert (settings.upload_max_bytes, settings.uploads_in_flight_max_bytes) == (10 << 20, 1 << 30)


def test_in_flight_budget_below_one_uploads_limit_is_a_usage_error(monkeypatch, capsys):
    monkeypatch.setenv('UPLOAD_MAX_BYTES', '10M')
    monkeypatch.setenv('UPLOADS_IN_FLIGHT_MAX_BYTES', '5M')

    with pytest.raises(SystemExit):
        config.parse_args(['--app-id', 'x'])

    assert 'UPLOADS_IN_FLIGHT_MAX_BYTES' in capsys.readouterr().err


def test_memcache_is_a_file_of_its_own_unless_the_container_shares_one_or_memcached_serves_it(monkeypatch):
    own = config.parse_args(['--app-id', 'x'])
    shared = config.parse_args(['--app-id', 'x', '--memcache-store', '/tmp/runtime/memcache.sqlite3'])
    monkeypatch.setenv('MEMCACHE_MAX_BYTES', '1M')
    monkeypatch.setenv('MEMCACHE_SERVERS', 'cache:11211')
    memcached = config.parse_args(['--app-id', 'x', '--memcache-store', '/tmp/runtime/memcache.sqlite3'])

    assert own.memcache_store.endswith('/memcache.sqlite3') and os.path.isdir(os.path.dirname(own.memcache_store))
    assert (shared.memcache_store, shared.memcache_max_bytes) == ('/tmp/runtime/memcache.sqlite3', 64 << 20)
    assert (memcached.memcache_store, memcached.memcache_max_bytes) == (None, 1 << 20)
