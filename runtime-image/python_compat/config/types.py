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


_BYTE_UNITS = {'': 1, 'K': 1 << 10, 'M': 1 << 20, 'G': 1 << 30}


def byte_size(value):
    """A number of bytes, with an optional binary unit: `1048576`, `512K`, `256M`, `2G`."""
    match = re.match(r'^\s*([0-9]+)\s*([KMG]?)\s*$', value, re.IGNORECASE)
    if not match or int(match.group(1)) < 1:
        raise ValueError('expected a size in bytes of at least 1, such as 1048576, 512K, 256M or 2G')
    return int(match.group(1)) * _BYTE_UNITS[match.group(2).upper()]


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


# Cloud Datastore names (the DATASTORE_* variables). Project ids: 6-30 lower-case letters, digits and hyphens;
# older ones carry a `domain.com:` prefix. App ids are project ids with their partition (`s~`, `e~`, `dev~`).
_PROJECT_ID = re.compile(r'^([a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]\Z')
_DATABASE_ID = re.compile(r'^[a-z][a-z0-9-]{0,61}[a-z0-9]\Z')
_APP_ID = re.compile(r'^[a-z]+~([a-z0-9.-]+:)?[a-z0-9][a-z0-9-]*\Z')


def project_id(value):
    """A Google Cloud project id; empty means unset."""
    value = value.strip()
    if value and not _PROJECT_ID.match(value):
        raise ValueError('expected a project id (6-30 lower-case letters, digits, hyphens)')
    return value or None


def database_id(value):
    """A Firestore / Cloud Datastore database id; '' (or `(default)`) is the project's default database."""
    value = value.strip()
    if value == '(default)':
        return ''
    if value and not _DATABASE_ID.match(value):
        raise ValueError('expected a database id (lower-case letters, digits, hyphens, at most 63)')
    return value


def optional_host_port(value):
    """`host:port` (IPv6 as `[::1]:8081`), the port required; empty means unset."""
    value = value.strip()
    if not value:
        return None
    match = _HOST_PORT.match(value)
    if not match or not match.group('port') or not 0 < int(match.group('port')) < 65536:
        raise ValueError('expected host:port, such as 127.0.0.1:8081')
    return value


def app_id_list(value):
    """Comma-separated full app ids (`s~other-app, e~third-app`)."""
    app_ids = [app_id.strip() for app_id in value.split(',') if app_id.strip()]
    for app_id in app_ids:
        if not _APP_ID.match(app_id):
            raise ValueError('%r: expected comma-separated app ids with their partition, such as s~other-app'
                             % app_id)
    return tuple(app_ids)
