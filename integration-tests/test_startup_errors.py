"""Start-up errors: what App Engine's deploy refused stops the container with one clear line and a non-zero exit;
what it only found on a request does so too with STRICT_STARTUP=true, and otherwise serves (test_loading_rules.py)."""

import pytest


@pytest.fixture(scope='module')
def errors_image(app_image):
    return app_image('startup-errors')


def start_and_fail(docker_client, image, **run_kwargs):
    container = docker_client.containers.run(image, detach=True, network_mode='none', **run_kwargs)
    try:
        status = container.wait(timeout=60)['StatusCode']
        return status, container.logs(stdout=False, stderr=True).decode()
    finally:
        container.remove(force=True)


@pytest.mark.parametrize('app_dir, expected', [
    ('bad-yaml', ['/app/bad-yaml/app.yaml', 'line 3']),
    ('unknown-element', ['/app/unknown-element/app.yaml', "Unexpected attribute 'not_an_element'"]),
    ('cgi-threadsafe', ['/app/cgi-threadsafe/app.yaml', 'threadsafe cannot be enabled with CGI handler']),
    ('bad-library', ['/app/bad-library/app.yaml: libraries[0] (numpy)', 'not installed in this image']),
    ('does-not-exist', ['/app/does-not-exist/app.yaml', 'no app.yaml found']),
    ('bad-url-regex', ["/app/bad-url-regex/app.yaml: handlers[1].url: '/(unclosed': not a regular expression"]),
    ('nested-env', ['/app/nested-env/app.yaml: env_variables.DATABASE: expected a string, got a mapping']),
    ('old-runtime', ["/app/old-runtime/app.yaml: runtime: 'python': expected python27"]),
    ('threadsafe-maybe', ["/app/threadsafe-maybe/app.yaml: threadsafe: 'maybe': expected true or false"]),
    ('no-handlers', ['/app/no-handlers/app.yaml: handlers: none given']),
])
def test_what_app_engines_deploy_refused_is_one_line_naming_file_and_key(docker_client, errors_image, app_dir,
                                                                          expected):
    status, stderr = start_and_fail(docker_client, errors_image, environment={'APP_ROOT': '/app/' + app_dir})
    assert status != 0
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    for fragment in expected:
        assert fragment in lines[0]


@pytest.mark.parametrize('app_dir, expected', [
    ('missing-module', ['/app/missing-module/app.yaml: handlers[0].script', "no module named 'nowhere'"]),
    ('bad-error-page', ['/app/bad-error-page/app.yaml: error_handlers[0].file', 'missing.html']),
])
def test_strict_startup_stops_at_what_app_engine_found_on_a_request(docker_client, errors_image, app_dir, expected):
    status, stderr = start_and_fail(docker_client, errors_image,
                                    environment={'APP_ROOT': '/app/' + app_dir, 'STRICT_STARTUP': 'true'})
    assert status != 0
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    for fragment in expected:
        assert fragment in lines[0]


def test_without_strict_startup_a_missing_script_module_serves_500(errors_image, start_app):
    with start_app(errors_image, environment={'APP_ROOT': '/app/missing-module'}) as running:
        assert running.get('/anything').status_code == 500


def test_without_strict_startup_a_missing_cgi_script_answers_404_and_the_rest_serves(errors_image, start_app):
    with start_app(errors_image, environment={'APP_ROOT': '/app/missing-cgi'}) as running:
        assert (running.get('/gone').status_code, running.get('/other').text) == (404, 'still serving')


def test_exception_while_importing_the_app_in_strict_mode_prints_the_line_then_the_apps_traceback(
        docker_client, errors_image):
    status, stderr = start_and_fail(docker_client, errors_image,
                                    environment={'APP_ROOT': '/app/import-raises', 'STRICT_STARTUP': 'true'})
    assert status != 0
    first, rest = stderr.strip().split('\n', 1)
    assert 'handlers[0].script' in first and 'ValueError: the app cannot start' in first
    assert 'Traceback' in rest and 'broken.py' in rest


@pytest.mark.parametrize('variable, value', [('PORT', 'eighty'), ('WEB_CONCURRENCY', 'many'),
                                             ('LOG_FORMAT', 'xml'), ('TRUSTED_PROXIES', '10.0.0.0/99'),
                                             ('GUNICORN_CMD_ARGS', '--workers=-x')])
def test_bad_environment_value_is_one_line_naming_the_variable(docker_client, errors_image, variable, value):
    status, stderr = start_and_fail(docker_client, errors_image,
                                    environment={'APP_ROOT': '/app/missing-module', variable: value})
    assert status != 0
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert variable in lines[0]


@pytest.mark.parametrize('environment, expected', [
    ({'DATASTORE_BACKEND': 'mysql'}, "DATASTORE_BACKEND: 'mysql': expected one of sqlite, cloud-datastore"),
    ({'DATASTORE_BACKEND': 'cloud-datastore'}, 'DATASTORE_PROJECT_ID: required with DATASTORE_BACKEND='),
    ({'DATASTORE_EMULATOR_HOST': 'no-port'}, "DATASTORE_EMULATOR_HOST: 'no-port': expected host:port"),
])
def test_bad_cloud_datastore_setting_is_one_line_before_the_api_server_starts(docker_client, errors_image,
                                                                              environment, expected):
    status, stderr = start_and_fail(docker_client, errors_image,
                                    environment=dict(environment, APP_ROOT='/app/missing-module'))
    assert status != 0
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert expected in lines[0]


def test_cloud_datastore_without_credentials_is_the_api_servers_one_line_and_stops_the_container(docker_client,
                                                                                                app_image):
    # No emulator, no key file, no metadata server (no network at all); the app itself loads fine.
    status, stderr = start_and_fail(docker_client, app_image('hello'), environment={
        'DATASTORE_BACKEND': 'cloud-datastore', 'DATASTORE_PROJECT_ID': 'my-project'})
    assert status == 1
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(
        'python-compat api-server: environment: GOOGLE_APPLICATION_CREDENTIALS: no Application'), stderr
