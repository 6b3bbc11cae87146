"""types: how settings are read from their text (here the memcached server list; most kinds are checked through
Settings in test_settings.py)."""

import pytest

from python_compat.config import types

memcached_servers = types.host_port_list(11211)


def test_server_list_takes_hosts_ports_and_ipv6():
    assert memcached_servers('127.0.0.1:11211, cache-b ,[::1]:11300') == [
        ('127.0.0.1', 11211), ('cache-b', 11211), ('::1', 11300)]


def test_server_list_drops_repeated_servers():
    assert memcached_servers('cache:11211,cache,cache:11212') == [('cache', 11211), ('cache', 11212)]


def test_an_empty_server_list_means_no_servers():
    assert memcached_servers('') == [] and memcached_servers('  ') == []


@pytest.mark.parametrize('text', ['host:port', 'a:70000', 'a:0', 'a b:1', 'a:1,,b:2', 'http://a:1', ','])
def test_a_bad_server_list_is_a_value_error_naming_the_entry(text):
    with pytest.raises(ValueError, match='host:port'):
        memcached_servers(text)
