"""How each kind of setting is read from its text: every parser takes the variable's value and returns what the
runtime uses, or raises ValueError whose message says what was expected. settings.py puts the variable's name
and its quoted value before that message, unless the message starts with the quoted part that is wrong (one
entry of a list)."""

import re

from python_compat.config import networks

FLAG_WORDS = {'': False, '0': False, 'false': False, 'off': False, 'no': False,
              '1': True, 'true': True, 'on': True, 'yes': True}
_HOST_PORT = re.compile(r'(?:\[(?P<ipv6>[0-9A-Fa-f:.]+)\]|(?P<host>[A-Za-z0-9_.-]+))(?::(?P<port>[0-9]{1,5}))?\Z')


def text(value):
    return value


def optional_text(value):
    """Empty means unset."""
    return value or None


def port(value):
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ValueError('expected a TCP port number 1-65535')
    return int(value)


def positive_int(value):
    """Empty means unset."""
    if value == '':
        return None
    if not value.strip().isdigit() or int(value) < 1:
        raise ValueError('expected a whole number of at least 1')
    return int(value)


def positive_number(value):
    try:
        number = float(value)
    except ValueError:
        number = 0
    if not number > 0:
        raise ValueError('expected a positive number')
    return number


def flag(value):
    try:
        return FLAG_WORDS[value.strip().lower()]
    except KeyError:
        raise ValueError('expected 1 or 0 (also true/false, on/off, yes/no)')


def choice(*choices, **options):
    """A parser accepting one of `choices`, compared case-insensitively; `upper=True` returns it upper-cased."""
    upper = options.get('upper', False)

    def parse(value):
        normalized = value.upper() if upper else value.lower()
        if normalized not in choices:
            raise ValueError('expected one of %s' % ', '.join(choices))
        return normalized
    parse.choices = choices
    return parse


def network_list(value):
    try:
        return networks.parse_network_list(value)
    except ValueError as error:
        raise ValueError('%s (expected comma-separated IPs or CIDR networks)' % error)


def email_list(value):
    emails = frozenset(part.strip().lower() for part in value.split(',') if part.strip())
    for email in emails:
        if '@' not in email:
            raise ValueError('%r: expected comma-separated email addresses' % email)
    return emails


def url_path(value):
    if not value.startswith('/'):
        raise ValueError('expected a URL path starting with /')
    return value


def http_url(value):
    """An http:// or https:// base URL with a host, e.g. http://app:8080."""
    match = re.match(r'^https?://[^/?#]+', value or '')
    if not match:
        raise ValueError('expected an http:// or https:// URL such as http://app:8080')
    return value


def host_port_list(default_port):
    """A parser of `host:port,host:port` into [(host, port)], duplicates dropped (`default_port` when a port is
    left out; IPv6 as `[::1]:11211`)."""
    def parse(value):
        servers = []
        for entry in (value.split(',') if value.strip() else []):
            entry = entry.strip()
            match = _HOST_PORT.match(entry)
            number = int(match.group('port') or default_port) if match else 0
            if not match or not 0 < number < 65536:
                raise ValueError('expected a comma-separated list of host:port, got %r in %r' % (entry, value))
            server = (match.group('ipv6') or match.group('host'), number)
            if server not in servers:
                servers.append(server)
        return servers
    return parse


def secret(minimum_length):
    """A parser of a shared secret of at least `minimum_length` characters (empty: unset)."""
    def parse(value):
        if value and len(value) < minimum_length:
            raise ValueError('expected at least %d characters (e.g. `openssl rand -hex 32`), got %d'
                             % (minimum_length, len(value)))
        return value or None
    return parse
