"""The API server's settings and command line."""

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


def test_command_line_sets_every_location():
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
