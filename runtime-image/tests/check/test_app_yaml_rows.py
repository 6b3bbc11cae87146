"""app_yaml_rows and companion_rows: the report's rows of app.yaml and its companion files."""

import textwrap

import pytest

from python_compat.check import rows
from python_compat.check.app_yaml_rows import load
from python_compat.check.companion_rows import companion_rows


@pytest.fixture
def app(tmpdir):
    """`app(app_yaml, **files)` writes an app and returns its root."""
    def write(app_yaml, **files):
        tmpdir.join('app.yaml').write(textwrap.dedent(app_yaml))
        for name, content in files.items():
            tmpdir.join(name).write(textwrap.dedent(content), ensure=True)
        return str(tmpdir)
    return write


def statuses(found):
    return [(row.what, row.status) for row in found]


def test_an_app_yaml_start_up_refuses_is_one_cannot_run_row(app):
    config, found = load(app('runtime: python27\napi_version: 1\nthreadsafe: maybe\nhandlers:\n- url: /\n'
                             '  script: main.app\n'))

    assert config is None
    assert statuses(found) == [('app.yaml', rows.CANNOT_RUN)]
    assert found[0].detail.endswith("app.yaml: threadsafe: 'maybe': expected true or false")


def test_elements_in_a_fixed_order_then_the_rest_as_ignored(app):
    _, found = load(app('''
        instance_class: F4
        handlers:
        - url: /.*
          script: main.app
        threadsafe: true
        api_version: 1
        runtime: python27
    ''', **{'main.py': 'app = None\n'}))

    assert statuses(found) == [
        ('app.yaml runtime: python27', rows.AS_ON_APP_ENGINE), ('app.yaml api_version', rows.AS_ON_APP_ENGINE),
        ('app.yaml threadsafe: true', rows.AS_ON_APP_ENGINE),
        ('app.yaml handlers[0]: /.* -> script main.app', rows.AS_ON_APP_ENGINE),
        ('app.yaml instance_class', rows.IGNORED)]


def test_handlers_whose_files_are_missing_are_warnings(app):
    _, found = load(app('''
        runtime: python27
        api_version: 1
        threadsafe: false
        handlers:
        - url: /static
          static_dir: static
        - url: /cgi
          script: gone.py
        - url: /.*
          script: nowhere.app
    '''))

    assert [row.status for row in found[3:]] == [rows.WARNING] * 3
    assert [row.detail.split(':')[0] for row in found[3:]] == ['no such directory', 'file not found',
                                                              "no module 'nowhere' in the app root"]


def test_a_login_handler_needs_an_identity_source_and_secure_always_trusted_proxies(app):
    _, found = load(app('''
        runtime: python27
        api_version: 1
        threadsafe: true
        handlers:
        - url: /admin
          script: main.app
          login: admin
        - url: /pay
          script: main.app
          secure: always
    ''', **{'main.py': 'app = None\n'}))

    assert [(row.status, row.section) for row in found[3:]] == [
        (rows.needs('IDENTITY_SOURCE'), rows.IDENTITY), (rows.needs('TRUSTED_PROXIES'), rows.APP_YAML)]


def test_a_cgi_handler_of_a_threadsafe_flexible_app_cannot_run(app):
    _, found = load(app('runtime: custom\nenv: flex\nhandlers:\n- url: /\n  script: report.py\n',
                        **{'report.py': 'print "Status: 200"\n'}))

    assert statuses(found)[-1] == ('app.yaml handlers[0]: / -> script report.py', rows.CANNOT_RUN)


def test_a_cron_yaml_start_up_refuses_cannot_run(app):
    root = app('runtime: python27\napi_version: 1\nthreadsafe: true\nhandlers:\n- url: /\n  script: main.app\n',
               **{'cron.yaml': 'cron:\n- url: /x\n  schedule: every blue moon\n'})

    assert statuses(companion_rows(root)) == [('cron.yaml', rows.CANNOT_RUN)]


def test_companion_files_say_how_they_are_served(app):
    root = app('runtime: python27\n', **{
        'cron.yaml': 'cron:\n- url: /x\n  schedule: every 5 minutes\n',
        'queue.yaml': 'queue:\n- name: fast\n  rate: 5/s\n- name: leases\n  mode: pull\n',
        'index.yaml': 'indexes:\n- kind: A\n  properties:\n  - name: b\n',
        'dispatch.yaml': 'dispatch:\n- url: "*/api/*"\n  service: api\n'})

    assert statuses(companion_rows(root)) == [
        ('cron.yaml: 1 job', rows.needs('CRON_ENABLED=true')),
        ('queue.yaml: push queues fast', rows.AS_ON_APP_ENGINE),
        ('queue.yaml: pull queues leases', rows.AS_ON_APP_ENGINE),
        ('index.yaml: 1 index definition', rows.IGNORED),
        ('dispatch.yaml: 1 rule', rows.NOT_SUPPORTED)]


def test_a_companion_file_that_does_not_parse_is_a_warning(app):
    root = app('runtime: python27\n', **{'queue.yaml': 'queue:\n- name: bad name!\n'})

    assert statuses(companion_rows(root)) == [('queue.yaml', rows.WARNING)]
