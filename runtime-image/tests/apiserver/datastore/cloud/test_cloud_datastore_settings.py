"""The Cloud Datastore backend's variables: chosen, validated at start-up, kept out of the app's processes."""

import os

import pytest

from python_compat.apiserver import config
from python_compat.apiserver.datastore.cloud import settings
from python_compat.config import variables
from python_compat.config.settings import Settings
from python_compat.errors import StartupError


def api_server_settings(environ):
    return Settings(environ, variables.API_SERVER)


def test_sqlite_is_the_default_backend():
    chosen = api_server_settings({})

    assert chosen.datastore_backend == 'sqlite'
    assert settings.from_settings(chosen) is None


def test_every_variable_is_read():
    chosen = settings.from_settings(api_server_settings({
        'DATASTORE_BACKEND': 'cloud-datastore',
        'DATASTORE_PROJECT_ID': 'my-project', 'DATASTORE_DATABASE_ID': 'named-db',
        'DATASTORE_EMULATOR_HOST': '127.0.0.1:8081', 'DATASTORE_ADDITIONAL_APP_IDS': 's~other-app, e~third-app'}))

    assert (chosen.project_id, chosen.database_id, chosen.emulator_host, chosen.additional_app_ids) == (
        'my-project', 'named-db', '127.0.0.1:8081', ('s~other-app', 'e~third-app'))


def test_the_default_database_can_be_named():
    assert settings.from_settings(api_server_settings({
        'DATASTORE_BACKEND': 'cloud-datastore', 'DATASTORE_PROJECT_ID': 'my-project',
        'DATASTORE_DATABASE_ID': '(default)'})).database_id == ''


@pytest.mark.parametrize('environ, variable', [
    ({'DATASTORE_BACKEND': 'mysql'}, 'DATASTORE_BACKEND'),
    ({'DATASTORE_BACKEND': 'cloud-datastore'}, 'DATASTORE_PROJECT_ID'),
    ({'DATASTORE_BACKEND': 'cloud-datastore', 'DATASTORE_PROJECT_ID': 'My Project'}, 'DATASTORE_PROJECT_ID'),
    ({'DATASTORE_BACKEND': 'cloud-datastore', 'DATASTORE_PROJECT_ID': 'my-project',
      'DATASTORE_DATABASE_ID': 'Bad_DB'}, 'DATASTORE_DATABASE_ID'),
    ({'DATASTORE_BACKEND': 'cloud-datastore', 'DATASTORE_PROJECT_ID': 'my-project',
      'DATASTORE_EMULATOR_HOST': 'localhost'}, 'DATASTORE_EMULATOR_HOST'),
    ({'DATASTORE_BACKEND': 'cloud-datastore', 'DATASTORE_PROJECT_ID': 'my-project',
      'DATASTORE_ADDITIONAL_APP_IDS': 'other-app'}, 'DATASTORE_ADDITIONAL_APP_IDS'),
])
def test_a_wrong_value_is_one_line_naming_its_variable(environ, variable):
    with pytest.raises(StartupError) as wrong:
        api_server_settings(environ)

    assert wrong.value.key == variable
    assert wrong.value.line().startswith('environment: %s: ' % variable) and '\n' not in wrong.value.line()


def test_the_api_server_takes_the_backend_and_removes_its_variables(monkeypatch):
    monkeypatch.setenv('DATASTORE_BACKEND', 'cloud-datastore')
    monkeypatch.setenv('DATASTORE_PROJECT_ID', 'my-project')
    monkeypatch.setenv('DATASTORE_EMULATOR_HOST', '127.0.0.1:8081')

    parsed = config.parse_args(['--app-id', 's~my-project'])

    assert parsed.cloud_datastore.project_id == 'my-project'
    assert 'DATASTORE_PROJECT_ID' not in os.environ and 'DATASTORE_BACKEND' not in os.environ


def test_the_api_server_defaults_to_sqlite(monkeypatch):
    monkeypatch.delenv('DATASTORE_BACKEND', raising=False)

    assert config.parse_args(['--app-id', 'x']).cloud_datastore is None


def test_the_api_server_refuses_a_wrong_value_with_a_usage_error(monkeypatch, capsys):
    monkeypatch.setenv('DATASTORE_BACKEND', 'cloud-datastore')
    monkeypatch.delenv('DATASTORE_PROJECT_ID', raising=False)

    with pytest.raises(SystemExit):
        config.parse_args(['--app-id', 'x'])

    assert 'DATASTORE_PROJECT_ID: required' in capsys.readouterr().err


def test_the_serving_process_reports_a_wrong_value_as_a_startup_error():
    with pytest.raises(StartupError) as wrong:
        Settings({'DATASTORE_BACKEND': 'cloud-datastore', 'DATASTORE_PROJECT_ID': 'my-project',
                  'DATASTORE_EMULATOR_HOST': 'no-port'})

    assert wrong.value.line().startswith("environment: DATASTORE_EMULATOR_HOST: 'no-port': expected host:port")


def test_the_serving_process_requires_the_project_before_any_api_server_starts():
    with pytest.raises(StartupError) as wrong:
        Settings({'DATASTORE_BACKEND': 'cloud-datastore'})

    assert wrong.value.line().startswith('environment: DATASTORE_PROJECT_ID: required with DATASTORE_BACKEND=')


def test_removal_takes_the_sdk_v1_switches_out_of_an_environment():
    environ = {'DATASTORE_PROJECT_ID': 'my-project', 'DATASTORE_APP_ID': 's~my-project',
               'DATASTORE_USE_PROJECT_ID_AS_APP_ID': '1', 'DATASTORE_BACKEND': 'cloud-datastore',
               'APPLICATION_ID': 's~my-project'}

    api_server_settings(environ)

    assert environ == {'APPLICATION_ID': 's~my-project'}


def test_the_apps_processes_never_see_them_and_the_embedded_api_server_gets_them():
    environ = {'DATASTORE_PROJECT_ID': 'my-project', 'DATASTORE_APP_ID': 's~my-project',
               'DATASTORE_BACKEND': 'cloud-datastore', 'APPLICATION_ID': 's~my-project'}

    handed = Settings(environ).api_server_environment

    assert environ == {'APPLICATION_ID': 's~my-project'}
    assert handed == {'DATASTORE_PROJECT_ID': 'my-project', 'DATASTORE_APP_ID': 's~my-project',
                      'DATASTORE_BACKEND': 'cloud-datastore'}
