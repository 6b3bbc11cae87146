"""`check` in the runtime image against fixture apps mounted read-only, as an app owner runs it; each report is
compared with its golden file under golden/ (UPDATE_GOLDEN=1 rewrites them; review the diff)."""

import os
import pathlib

import pytest

HERE = pathlib.Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
APPS = HERE / 'apps'
GOLDEN = HERE / 'golden'
GUESTBOOK = REPO_ROOT / 'examples' / 'guestbook'


def run_check(docker_client, image, app_dir):
    """(exit status, stdout, stderr) of `docker run --rm -v APP_DIR:/app:ro IMAGE check`."""
    container = docker_client.containers.run(image, ['check'], detach=True, network_mode='none',
                                             volumes={str(app_dir): {'bind': '/app', 'mode': 'ro'}})
    try:
        status = container.wait(timeout=120)['StatusCode']
        return (status, container.logs(stdout=True, stderr=False).decode(),
                container.logs(stdout=False, stderr=True).decode())
    finally:
        container.remove(force=True)


def golden(name, actual):
    path = GOLDEN / ('%s.txt' % name)
    if os.environ.get('UPDATE_GOLDEN'):
        path.write_text(actual)
    return path.read_text()


@pytest.mark.parametrize('name, app_dir, expected_status', [
    ('check-legacy', APPS / 'check-legacy', 0),
    ('check-cannot-run', APPS / 'check-cannot-run', 1),
    ('check-loading-rules', APPS / 'loading-rules', 0),
    ('check-guestbook', GUESTBOOK, 0),
])
def test_the_report_matches_its_golden_file(docker_client, runtime_image, name, app_dir, expected_status):
    status, stdout, stderr = run_check(docker_client, runtime_image, app_dir)

    assert stdout == golden(name, stdout)
    assert (status, stderr) == (expected_status, '')


def test_an_app_yaml_that_start_up_refuses_is_one_cannot_run_row(docker_client, runtime_image):
    status, stdout, _ = run_check(docker_client, runtime_image, APPS / 'startup-errors' / 'nested-env')

    assert status == 1
    assert ('cannot run: /app/app.yaml: env_variables.DATABASE: expected a string, got a mapping' in stdout)


# Stops a real start-up where it applies `libraries:` and prints which library modules it has imported by then.
IMPORTED_AT_LIBRARIES = """
import sys
from python_compat.app import libraries
from python_compat.builtin_libraries import catalog
from python_compat.check import library_support

def report(*args, **kwargs):
    modules = set(entry.module for entry in catalog.load().entries if entry.source in ('sdk', 'wheelhouse'))
    print(sorted(modules & set(sys.modules)))
    print(sorted(library_support.runtime_imports_first('/app')))
    raise SystemExit(0)

libraries.apply_libraries = report
from python_compat.serving.serve import serve
serve()
"""


def test_check_knows_which_library_modules_the_runtime_imports_before_the_app(docker_client, runtime_image):
    output = docker_client.containers.run(
        runtime_image, ['python', '-c', IMPORTED_AT_LIBRARIES], network_mode='none', remove=True,
        environment={'API_HOST': '127.0.0.1', 'API_PORT': '9'},
        volumes={str(GUESTBOOK): {'bind': '/app', 'mode': 'ro'}}).decode()
    imported, expected = output.strip().splitlines()[-2:]

    assert imported == expected


def test_docs_and_readme_show_the_report_on_the_example_app():
    report = (GOLDEN / 'check-guestbook.txt').read_text()

    assert report in (REPO_ROOT / 'docs' / 'check.md').read_text()
    assert report in (REPO_ROOT / 'README.md').read_text()
