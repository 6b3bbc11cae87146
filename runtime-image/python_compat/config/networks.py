"""IPv4/IPv6 address and CIDR network matching for the trusted-proxy settings (Python 2.7 has no ipaddress)."""

import socket
import struct


def _parse_address(text):
    """(family, integer value, bit length) of an IPv4 or IPv6 address; ValueError when it is neither."""
    for family, length in ((socket.AF_INET, 32), (socket.AF_INET6, 128)):
        try:
            packed = socket.inet_pton(family, text)
        except (socket.error, ValueError):
            continue
        value = 0
        for chunk in struct.unpack('!%dI' % (len(packed) // 4), packed):
            value = (value << 32) | chunk
        return family, value, length
    raise ValueError('%r is not an IP address' % text)


class Network(object):
    """One CIDR network, e.g. 10.0.0.0/8 or ::1/128; a bare address is a /32 (/128) network."""

    def __init__(self, text):
        address, slash, prefix = text.strip().partition('/')
        self.family, value, self.length = _parse_address(address)
        if slash and not prefix.isdigit():
            raise ValueError('%r is not a valid network prefix' % text)
        bits = int(prefix) if slash else self.length
        if not 0 <= bits <= self.length:
            raise ValueError('%r is not a valid network prefix' % text)
        self.mask = ((1 << bits) - 1) << (self.length - bits)
        self.value = value & self.mask
        self.text = text.strip()

    def __contains__(self, address):
        try:
            family, value, _ = _parse_address(address)
        except ValueError:
            return False
        return family == self.family and value & self.mask == self.value

    def __repr__(self):
        return 'Network(%r)' % self.text


def parse_network_list(text):
    """Networks from a comma-separated list; empty text means no network."""
    return [Network(part) for part in text.split(',') if part.strip()]


def address_in(address, networks):
    return any(address in network for network in networks)
