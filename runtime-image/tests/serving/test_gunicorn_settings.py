"""gunicorn_settings: our defaults, then WEB_CONCURRENCY, the app's gunicorn.conf.py, GUNICORN_CMD_ARGS."""

import textwrap

import mock
import pytest

from python_compat.serving import gunicorn_hooks
from python_compat.errors import StartupError
from python_compat.serving.gunicorn_settings import GRACEFUL_GEVENT_WORKER, effective_settings
from python_compat.config.settings import Settings

CPU_SOURCE = 'cgroup v2 cpu.max "300000 100000"'


@pytest.fixture(autouse=True)
def three_usable_cpus():
    with mock.patch('python_compat.serving.cpu.usable_cpus', return_value=(3, CPU_SOURCE)):
        yield


@pytest.fixture
def app_root(tmpdir):
    return tmpdir


def effective(app_root, conf=None, **environ):
    """The effective settings for an app root (with `conf` as its gunicorn.conf.py) and environment."""
    if conf is not None:
        app_root.join('gunicorn.conf.py').write(textwrap.dedent(conf))
    environ['APP_ROOT'] = str(app_root)
    return effective_settings(Settings(environ))


def error_of(app_root, conf=None, **environ):
    with pytest.raises(StartupError) as error:
        effective(app_root, conf, **environ)
    assert '\n' not in str(error.value)
    return error.value


def test_defaults(app_root):
    values = dict((name, value) for name, (value, source) in effective(app_root).items())

    assert values == {
        'workers': 3, 'worker_class': GRACEFUL_GEVENT_WORKER, 'bind': ['0.0.0.0:8080'], 'timeout': 60,
        'graceful_timeout': 30,
        'keepalive': 5, 'preload_app': True, 'forwarded_allow_ips': '', 'accesslog': None,
        'logger_class': 'python_compat.serving.gunicorn_logging.PropagatingLogger',
        'pre_request': gunicorn_hooks.skip_request_debug_line}


def test_workers_default_to_usable_cpus_naming_the_limit(app_root):
    assert effective(app_root).values['workers'] == (3, 'usable CPUs: ' + CPU_SOURCE)


def test_bind_follows_port(app_root):
    assert effective(app_root, PORT='9000').values['bind'] == (['0.0.0.0:9000'], 'PORT')


def test_web_concurrency_sets_workers(app_root):
    assert effective(app_root, WEB_CONCURRENCY='7').values['workers'] == (7, 'WEB_CONCURRENCY')


def test_app_config_file_overrides_only_what_it_names(app_root):
    settings = effective(app_root, 'timeout = 120\n')
    path = str(app_root.join('gunicorn.conf.py'))

    assert settings.values['timeout'] == (120, path)
    assert settings.values['workers'] == (3, 'usable CPUs: ' + CPU_SOURCE)
    assert settings.values['worker_class'] == (GRACEFUL_GEVENT_WORKER, 'default (gevent, drained gracefully)')


def test_app_config_file_wins_over_web_concurrency(app_root):
    settings = effective(app_root, 'workers = 2\n', WEB_CONCURRENCY='7')

    assert settings.values['workers'] == (2, str(app_root.join('gunicorn.conf.py')))


def test_app_config_file_names_that_are_not_settings_are_ignored(app_root):
    settings = effective(app_root, '''
        import multiprocessing
        helper_value = multiprocessing.cpu_count()
        keepalive = 2
    ''')

    assert 'helper_value' not in settings.values and 'multiprocessing' not in settings.values
    assert settings.value('keepalive') == 2


def test_app_config_file_values_are_validated_and_normalized_by_gunicorn(app_root):
    assert effective(app_root, 'bind = "127.0.0.1:9999"\n').value('bind') == ['127.0.0.1:9999']


def test_gunicorn_cmd_args_win_over_everything(app_root):
    settings = effective(app_root, 'timeout = 120\nworkers = 2\n', WEB_CONCURRENCY='7',
                         GUNICORN_CMD_ARGS='--timeout 90 --workers 4')

    assert settings.values['timeout'] == (90, 'GUNICORN_CMD_ARGS')
    assert settings.values['workers'] == (4, 'GUNICORN_CMD_ARGS')


def test_gunicorn_cmd_args_leave_unnamed_settings_alone(app_root):
    settings = effective(app_root, GUNICORN_CMD_ARGS='--keep-alive 9')

    assert settings.values['keepalive'] == (9, 'GUNICORN_CMD_ARGS')
    assert settings.values['timeout'][1].startswith('default')


def test_bad_value_in_the_app_config_file_names_the_file_and_setting(app_root):
    error = error_of(app_root, 'workers = "many"\n')

    assert (error.source, error.key) == (str(app_root.join('gunicorn.conf.py')), 'workers')
    assert str(error).startswith("%s: workers: 'many': " % app_root.join('gunicorn.conf.py'))


def test_app_config_file_that_raises_names_the_file_and_keeps_the_traceback(app_root):
    error = error_of(app_root, 'x = 1\nraise RuntimeError("no config for you")\n')

    assert str(error) == '%s: executing it raised RuntimeError: no config for you' % app_root.join('gunicorn.conf.py')
    assert 'line 2' in error.app_traceback


@pytest.mark.parametrize('args', ['--no-such-option', '--workers many', '--timeout'])
def test_bad_gunicorn_cmd_args_is_one_line_naming_the_variable(app_root, args):
    error = error_of(app_root, GUNICORN_CMD_ARGS=args)

    assert str(error).startswith("environment: GUNICORN_CMD_ARGS: %r: " % args)


def test_bad_gunicorn_cmd_args_names_the_bad_option(app_root):
    assert 'no-such-option' in str(error_of(app_root, GUNICORN_CMD_ARGS='--no-such-option'))


def test_describe_shows_the_main_settings_first_each_with_its_source(app_root):
    lines = effective(app_root, WEB_CONCURRENCY='5').describe()

    assert [line.split()[0] for line in lines] == [
        'workers', 'worker_class', 'bind', 'timeout', 'graceful_timeout', 'keepalive', 'preload_app',
        'accesslog', 'forwarded_allow_ips', 'logger_class', 'pre_request']
    assert lines[0] == 'workers              = 5                        (WEB_CONCURRENCY)'
    assert lines[-1].startswith('pre_request          = python_compat.serving.gunicorn_hooks.skip_request_debug_line (')
    assert lines[1].endswith("'%s' (default (gevent, drained gracefully))" % GRACEFUL_GEVENT_WORKER)


def test_every_default_passes_gunicorns_own_validation(app_root):
    from gunicorn.config import Config
    config = Config()
    for name, (value, _source) in effective(app_root).items():
        config.set(name, value)

    assert config.pre_request is gunicorn_hooks.skip_request_debug_line
