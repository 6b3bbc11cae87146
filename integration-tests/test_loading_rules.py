"""The python27 runtime's loading rules against a real container (apps/loading-rules): scripts resolved as
LoadObject did, and what App Engine only found when a request arrived (a script that cannot be imported, an error
page or static_dir never uploaded) warns at start-up while the rest of the app serves."""

import json
import time

import pytest

APP = 'loading-rules'


@pytest.fixture(scope='module')
def app(app_image, start_app):
    with start_app(app_image(APP), environment={'LOG_FORMAT': 'json'}) as running:
        yield running


def log_entries(app):
    entries = []
    for line in app.container.logs(stdout=True, stderr=True).decode().splitlines():
        try:
            entries.append(json.loads(line))
        except ValueError:
            pass
    return entries


def startup_warnings(app):
    return [entry['message'] for entry in log_entries(app)
            if entry.get('severity') == 'WARNING' and 'STRICT_STARTUP' in entry.get('message', '')]


def test_the_app_serves_although_some_scripts_cannot_be_imported(app):
    response = app.get('/')

    assert (response.status_code, response.text) == (200, 'main')


def test_a_dotted_script_is_the_longest_importable_module_then_attributes(app):
    assert app.get('/dotted').text == 'dotted'


def test_a_script_can_be_an_attribute_of_a_packages_init(app):
    assert app.get('/package').text == 'package'


def test_a_script_that_raises_on_import_answers_500_on_every_request_with_the_traceback_logged(app):
    statuses = [app.get('/broken').status_code for _ in range(2)]

    assert statuses == [500, 500]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        logged = [entry['message'] for entry in log_entries(app)
                  if entry.get('severity') == 'ERROR' and 'SETTINGS_MODULE is not configured' in entry['message']]
        if len(logged) >= 2:
            break
        time.sleep(0.2)
    assert len(logged) >= 2 and 'Traceback' in logged[-1] and 'broken.py' in logged[-1]


def test_a_missing_script_module_answers_500(app):
    assert app.get('/missing').status_code == 500


def test_a_script_whose_first_import_failed_is_imported_again_on_a_request(app):
    response = app.get('/flaky')

    assert (response.status_code, response.text) == (200, 'flaky, imported on retry')


def test_each_problem_is_one_start_up_warning_naming_file_key_and_reason(app):
    warnings = startup_warnings(app)
    first_lines = sorted(warning.split('\n')[0] for warning in warnings)

    assert [line.split(': ', 2)[:2] for line in first_lines] == [
        ['/app/app.yaml', 'error_handlers[0].file'], ['/app/app.yaml', 'handlers[2].script'],
        ['/app/app.yaml', 'handlers[3].script'], ['/app/app.yaml', 'handlers[4].script'],
        ['/app/app.yaml', 'handlers[5].static_dir']]
    by_key = dict((line.split(': ')[1], line) for line in first_lines)
    assert "'broken.app': importing it raised ValueError: broken.py cannot start" in by_key['handlers[2].script']
    assert "'nowhere.app': no module named 'nowhere' in the app root" in by_key['handlers[4].script']
    assert "'pages/not-uploaded.html'" in by_key['error_handlers[0].file']
    assert "'assets': no such directory" in by_key['handlers[5].static_dir']
    [broken] = [warning for warning in warnings if 'broken.app' in warning.split('\n')[0]]
    assert 'Traceback' in broken and 'broken.py' in broken


def test_a_missing_error_page_leaves_the_runtimes_own_page(app):
    response = app.get('/raise')

    assert (response.status_code, response.text) == (500, '500 Internal Server Error\n')


def test_a_missing_static_dir_answers_404(app):
    assert app.get('/assets/site.css').status_code == 404


def test_strict_startup_stops_at_the_first_problem_with_one_line(docker_client, app_image):
    container = docker_client.containers.run(app_image(APP), detach=True, network_mode='none',
                                             environment={'STRICT_STARTUP': 'true'})
    try:
        status = container.wait(timeout=60)['StatusCode']
        stderr = container.logs(stdout=False, stderr=True).decode()
    finally:
        container.remove(force=True)

    assert status != 0
    assert stderr.strip().splitlines() == [
        "python-compat: /app/app.yaml: error_handlers[0].file: 'pages/not-uploaded.html': expected a readable "
        "file inside the app root"]
