"""networks: IPv4/IPv6 addresses and CIDR networks for TRUSTED_PROXIES."""

import pytest

from python_compat.config.networks import Network, address_in, parse_network_list


@pytest.mark.parametrize('network, address', [
    ('10.0.0.0/8', '10.255.1.2'),
    ('192.168.1.0/24', '192.168.1.0'),
    ('192.168.1.0/24', '192.168.1.255'),
    ('0.0.0.0/0', '8.8.8.8'),
    ('2001:db8::/32', '2001:db8:1::7'),
    ('::/0', '::1'),
])
def test_address_inside_a_cidr_network_is_contained(network, address):
    assert address in Network(network)


@pytest.mark.parametrize('network, address', [
    ('10.0.0.0/8', '11.0.0.1'),
    ('192.168.1.0/24', '192.168.2.1'),
    ('2001:db8::/32', '2001:db9::1'),
])
def test_address_outside_a_cidr_network_is_not_contained(network, address):
    assert address not in Network(network)


def test_bare_ipv4_address_is_a_single_address_network():
    network = Network('10.0.0.1')

    assert '10.0.0.1' in network
    assert '10.0.0.2' not in network


def test_bare_ipv6_address_is_a_single_address_network():
    network = Network('::1')

    assert '::1' in network
    assert '::2' not in network


def test_host_bits_in_the_network_text_are_ignored():
    assert '10.9.9.9' in Network('10.1.2.3/8')


def test_ipv4_address_is_never_in_an_ipv6_network():
    assert '10.0.0.1' not in Network('::/0')


def test_ipv6_address_is_never_in_an_ipv4_network():
    assert '::1' not in Network('0.0.0.0/0')


@pytest.mark.parametrize('address', ['', 'unknown', '10.0.0', '10.0.0.1:8080', '10.0.0.1/32'])
def test_text_that_is_not_an_address_is_not_contained(address):
    assert address not in Network('0.0.0.0/0')


def test_surrounding_whitespace_is_ignored():
    assert '10.0.0.1' in Network(' 10.0.0.0/8 ')


@pytest.mark.parametrize('text', [
    '', 'proxy.example.com', '256.0.0.1', '10.0.0.0/33', '::/129', '10.0.0.0/abc', '10.0.0.0/-1', '10.0.0.0/ 8',
    '10.0.0.0/8/8', '2001:db8::g/32',
])
def test_bad_network_text_raises_value_error(text):
    with pytest.raises(ValueError):
        Network(text)


def test_network_with_empty_prefix_raises_value_error():
    with pytest.raises(ValueError):
        Network('10.0.0.0/')


def test_network_list_is_comma_separated():
    networks = parse_network_list('10.0.0.0/8, 172.16.0.0/12,::1')

    assert [network.text for network in networks] == ['10.0.0.0/8', '172.16.0.0/12', '::1']


@pytest.mark.parametrize('text', ['', ' ', ' , ,'])
def test_empty_network_list_means_no_networks(text):
    assert parse_network_list(text) == []


def test_one_bad_entry_fails_the_whole_list():
    with pytest.raises(ValueError):
        parse_network_list('10.0.0.0/8,nope')


def test_address_in_is_true_when_any_network_contains_the_address():
    networks = parse_network_list('10.0.0.0/8,::1')

    assert address_in('::1', networks)
    assert address_in('10.1.1.1', networks)
    assert not address_in('192.0.2.1', networks)


def test_address_in_no_networks_is_false():
    assert not address_in('10.0.0.1', [])
