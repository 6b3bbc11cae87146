"""appyaml: app.yaml parsed by the SDK (includes and builtins expanded); every mistake is one line naming it."""

import os
import subprocess
import sys
import textwrap

import pytest

from python_compat.app import appyaml
from python_compat.app.appyaml import load_app_yaml
from python_compat.errors import StartupError

MINIMAL = '''
runtime: python27
api_version: 1
threadsafe: true
handlers:
- url: /.*
  script: main.app
'''


@pytest.fixture
def app_dir(tmpdir):
    """`app_dir.write(text, name='app.yaml')` writes a file of the app and returns its path."""
    class AppDir(object):
        def write(self, text, name='app.yaml'):
            path = tmpdir.join(name)
            path.write(textwrap.dedent(text))
            return str(path)
    return AppDir()


def load_error(path):
    with pytest.raises(StartupError) as error:
        load_app_yaml(path)
    line = str(error.value)
    assert '\n' not in line
    return line


def test_valid_file_gives_the_handlers_and_settings(app_dir):
    path = app_dir.write('''
        runtime: python27
        api_version: 1
        threadsafe: false
        service: api
        version: v3
        application: myapp
        default_expiration: 1d
        inbound_services:
        - warmup
        env_variables:
          GREETING: hello
        libraries:
        - name: jinja2
          version: "2.6"
        error_handlers:
        - file: error.html
        handlers:
        - url: /static
          static_dir: static
        - url: /.*
          script: main.app
    ''')

    config = load_app_yaml(path)

    assert (config.path, config.root, config.runtime) == (path, os.path.dirname(path), 'python27')
    assert config.threadsafe is False
    assert [handler.url for handler in config.handlers] == ['/static', '/.*']
    assert config.env_variables == {'GREETING': 'hello'}
    assert [(library.name, library.version) for library in config.libraries] == [('jinja2', '2.6')]
    assert [handler.file for handler in config.error_handlers] == ['error.html']
    assert (config.application, config.service, config.version) == ('myapp', 'api', 'v3')
    assert config.default_expiration == '1d'
    assert config.warmup_enabled


def test_threadsafe_true(app_dir):
    assert load_app_yaml(app_dir.write(MINIMAL)).threadsafe is True


def test_module_is_the_old_name_of_service(app_dir):
    assert load_app_yaml(app_dir.write(MINIMAL + 'module: worker\n')).service == 'worker'


def test_warmup_is_off_without_inbound_services(app_dir):
    assert not load_app_yaml(app_dir.write(MINIMAL)).warmup_enabled


def test_default_liveness_and_readiness_paths(app_dir):
    config = load_app_yaml(app_dir.write(MINIMAL))

    assert (config.liveness_path, config.readiness_path) == ('/liveness_check', '/readiness_check')


def test_liveness_and_readiness_paths_from_app_yaml(app_dir):
    config = load_app_yaml(app_dir.write(MINIMAL + 'liveness_check:\n  path: /alive\nreadiness_check:\n'
                                                   '  path: /ready\n'))

    assert (config.liveness_path, config.readiness_path) == ('/alive', '/ready')


def test_includes_are_merged_relative_to_the_app_yaml(app_dir):
    app_dir.write('''
        env_variables:
          FROM_INCLUDE: 'yes'
        handlers:
        - url: /included
          script: included.app
    ''', name='included.yaml')

    config = load_app_yaml(app_dir.write(MINIMAL + 'includes:\n- included.yaml\n'))

    assert config.env_variables == {'FROM_INCLUDE': 'yes'}
    assert [handler.url for handler in config.handlers] == ['/included', '/.*']


def test_builtins_deferred_adds_the_admin_only_deferred_handler(app_dir):
    config = load_app_yaml(app_dir.write(MINIMAL + 'builtins:\n- deferred: on\n'))

    deferred = config.handlers[0]
    assert (deferred.url, deferred.script, deferred.login) == (
        '/_ah/queue/deferred', 'google.appengine.ext.deferred.application', 'admin')


def test_missing_file_names_it_and_app_root(tmpdir):
    path = str(tmpdir.join('app.yaml'))

    assert load_error(path) == '%s: no app.yaml found (set APP_ROOT to the directory that holds it)' % path


def test_unreadable_file_names_it(app_dir):
    path = app_dir.write(MINIMAL)
    os.chmod(path, 0)
    if os.access(path, os.R_OK):
        pytest.skip('running as root: every file is readable')

    assert load_error(path) == '%s: cannot read: Permission denied' % path


def test_bad_yaml_names_the_file(app_dir):
    path = app_dir.write('runtime: python27\nhandlers: [\n')

    assert load_error(path).startswith(path + ': while parsing a flow node')


def test_unknown_key_names_the_file_and_key(app_dir):
    path = app_dir.write(MINIMAL + 'bogus_key: 1\n')

    line = load_error(path)

    assert line.startswith(path + ": Unexpected attribute 'bogus_key'")
    assert 'line 8' in line


def test_wrong_type_names_the_file_and_key(app_dir):
    path = app_dir.write('runtime: python27\napi_version: 1\nthreadsafe: true\nhandlers: 5\n')

    assert load_error(path).startswith(path + ": Unable to assign value '5' to attribute 'handlers'")


def test_value_outside_the_allowed_set_names_the_file_and_key(app_dir):
    path = app_dir.write(MINIMAL + '  login: sometimes\n')

    line = load_error(path)

    assert line.startswith(path + ": Unable to assign value 'sometimes' to attribute 'login'")


def test_unsupported_handler_type_names_the_handler(app_dir):
    path = app_dir.write(MINIMAL.replace('  script: main.app', '  script: main.app\n  api_endpoint: true')
                         + 'api_config:\n  url: /_ah/spi/.*\n  script: api.app\n')

    line = load_error(path)

    assert line == '%s: handlers[0]: api_endpoint handlers are not supported by this runtime' % path


def test_missing_include_names_the_file(app_dir):
    path = app_dir.write(MINIMAL + 'includes:\n- missing.yaml\n')

    assert 'missing.yaml' in load_error(path)


# What App Engine's deploy refused beyond the SDK's parser (deploy_checks.py)

@pytest.mark.parametrize('value', ['maybe', "'no'", '"true"', '1'])
def test_threadsafe_must_be_a_yaml_boolean(app_dir, value):
    path = app_dir.write(MINIMAL.replace('threadsafe: true', 'threadsafe: %s' % value))

    assert load_error(path).startswith('%s: threadsafe: ' % path)
    assert load_error(path).endswith(': expected true or false')


@pytest.mark.parametrize('value, threadsafe', [('yes', True), ('no', False), ('on', True), ('off', False)])
def test_yaml_11_words_are_booleans_as_the_sdks_parser_reads_them(app_dir, value, threadsafe):
    config = load_app_yaml(app_dir.write(MINIMAL.replace('threadsafe: true', 'threadsafe: %s' % value)))

    assert config.threadsafe is threadsafe


def test_an_element_given_twice_is_the_sdks_one_line_without_a_warning(app_dir, recwarn):
    path = app_dir.write(MINIMAL + 'runtime: python27\n')

    assert 'runtime' in load_error(path)
    assert not [warning for warning in recwarn if 'uplicate' in str(warning.message)]


def test_loading_app_yaml_does_not_import_pyyaml(app_dir):
    # The app's `libraries: - name: yaml` must still choose which PyYAML it gets (app/libraries.py).
    already = sys.modules.pop('yaml', None)
    try:
        load_app_yaml(app_dir.write(MINIMAL))
        assert 'yaml' not in sys.modules
    finally:
        if already is not None:
            sys.modules['yaml'] = already


def test_a_nested_env_variable_names_the_variable(app_dir):
    path = app_dir.write(MINIMAL + 'env_variables:\n  PLAIN: ok\n  NESTED:\n    inner: 1\n')

    assert load_error(path) == '%s: env_variables.NESTED: expected a string, got a mapping' % path


def test_a_url_that_is_not_a_regular_expression_names_the_handler(app_dir):
    path = app_dir.write(MINIMAL.replace('url: /.*', 'url: /(unclosed'))

    assert load_error(path) == ("%s: handlers[0].url: '/(unclosed': not a regular expression: unbalanced "
                                "parenthesis" % path)


def test_an_upload_that_is_not_a_regular_expression_names_the_handler(app_dir):
    path = app_dir.write(MINIMAL.replace('  script: main.app', '  static_files: files/\\1\n  upload: files/[a-'))

    assert load_error(path).startswith("%s: handlers[0].upload: 'files/[a-': not a regular expression" % path)


def test_an_app_without_handlers_is_refused(app_dir):
    path = app_dir.write('runtime: python27\napi_version: 1\nthreadsafe: true\n')

    assert load_error(path) == ('%s: handlers: none given: expected at least one (App Engine refused such an '
                                'app.yaml)' % path)


@pytest.mark.parametrize('runtime', ['python', 'go', 'python37'])
def test_a_runtime_other_than_python27_is_refused(app_dir, runtime):
    path = app_dir.write(MINIMAL.replace('runtime: python27', 'runtime: %s' % runtime))

    assert load_error(path) == ("%s: runtime: %r: expected python27 (or custom / python-compat with env: flex)"
                                % (path, runtime))


@pytest.mark.parametrize('lines', ['runtime: custom\nenv: flex', 'runtime: python-compat\nenv: flex',
                                   'runtime: python-compat\nvm: true', 'runtime: custom\nenv: flexible',
                                   'runtime: python27\nvm: true\nthreadsafe: false'])
def test_flexible_deployments_of_this_image_are_accepted(app_dir, lines):
    config = load_app_yaml(app_dir.write(lines + '\nhandlers:\n- url: /.*\n  script: main.app\n'))

    assert config.runtime in ('custom', 'python-compat', 'python27')


def test_custom_without_flexible_is_refused(app_dir):
    path = app_dir.write('runtime: custom\nhandlers:\n- url: /.*\n  script: main.app\n')

    assert load_error(path) == "%s: runtime: 'custom': only with env: flex (or vm: true), as on App Engine Flexible" % (
        path)


def test_python27_on_flexible_is_refused(app_dir):
    path = app_dir.write(MINIMAL + 'env: flex\n')

    assert load_error(path).startswith("%s: runtime: 'python27' with env: flex: App Engine Flexible took runtime "
                                       "custom or python-compat" % path)


def test_a_flexible_custom_app_is_threadsafe_unless_it_says_otherwise(app_dir):
    config = load_app_yaml(app_dir.write('runtime: custom\nenv: flex\nhandlers:\n- url: /.*\n  script: main.app\n'))

    assert config.threadsafe is True


def test_handler_without_url_names_the_handler(app_dir):
    path = app_dir.write(MINIMAL.replace('- url: /.*\n  script', '- script'))

    assert load_error(path) == '%s: handlers[0].url: missing: expected the URL pattern the handler serves' % path


def test_unknown_builtin_names_the_key(app_dir):
    path = app_dir.write(MINIMAL + 'builtins:\n- nosuchbuiltin: on\n')

    assert load_error(path).startswith('%s: builtins: nosuchbuiltin is not the name of a valid builtin' % path)


@pytest.mark.parametrize('text', ['', 'just some words\n'], ids=['empty', 'bare-word'])
def test_file_without_app_yaml_elements_says_what_was_expected(app_dir, text):
    path = app_dir.write(text)

    assert 'expected the elements of an app.yaml (runtime, handlers, ...)' in load_error(path)


def test_health_check_path_must_be_a_path(app_dir):
    path = app_dir.write(MINIMAL + 'liveness_check:\n  path: 12\n')

    assert load_error(path) == "%s: liveness_check.path: '12': expected a URL path starting with /" % path


def test_peek_gives_the_top_level_elements_for_the_supervisor(app_dir):
    path = app_dir.write(MINIMAL + 'application: guestbook\ninbound_services:\n- warmup\n')

    elements = appyaml.peek(path)

    assert (elements['application'], elements['inbound_services'], elements['threadsafe']) == (
        'guestbook', ['warmup'], True)


@pytest.mark.parametrize('text', ['handlers: [', 'just a word', ''])
def test_peek_of_what_is_not_a_mapping_is_empty(app_dir, text):
    assert appyaml.peek(app_dir.write(text)) == {}


def test_peek_of_a_missing_file_is_empty(tmpdir):
    assert appyaml.peek(str(tmpdir.join('app.yaml'))) == {}


def test_peek_leaves_pyyaml_unimported(app_dir):
    # PyYAML's import is a fifth of the supervisor's start-up.
    code = ('import sys; from python_compat.app import appyaml; print(appyaml.peek(%r)["runtime"]); '
            'print("yaml" in sys.modules)' % app_dir.write(MINIMAL))
    assert subprocess.check_output([sys.executable, '-c', code]).split() == ['python27', 'False']
