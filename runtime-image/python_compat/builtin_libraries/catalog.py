"""The catalog of App Engine's built-in libraries (catalog.txt beside this file): for every name and version
app.yaml accepts, the module an app imports and where python-compat serves it from."""

import collections
import os

CATALOG_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'catalog.txt')
SOURCES = ('sdk', 'wheelhouse', 'python', 'runtime', 'none')


class Entry(collections.namedtuple('Entry', 'name version module source what')):
    """One library version. `what`: the SDK lib/ directory, the wheelhouse distributions, or why not."""

    @property
    def distributions(self):
        """The `project==version` pins a wheelhouse entry installs."""
        return [item for item in self._wheelhouse_items() if not item.startswith('deb:')]

    @property
    def debs(self):
        """The Debian packages a wheelhouse entry's wheel links, which the child image installs first."""
        return [item[len('deb:'):] for item in self._wheelhouse_items() if item.startswith('deb:')]

    def _wheelhouse_items(self):
        return self.what.split() if self.source == 'wheelhouse' else []

    def not_provided_problem(self):
        """What a one-line error says about a version python-compat does not provide."""
        return ('version %s is not provided by python-compat: %s; install it through the app\'s requirements.txt '
                'instead' % (self.version, self.what))

    @property
    def directory_name(self):
        """<name>-<version>, the directory App Engine (and the SDK's lib/) gave each library."""
        return '%s-%s' % (self.name, self.version)


class Catalog(object):
    def __init__(self, entries):
        self.entries = list(entries)
        self._by_key = dict(((entry.name, entry.version), entry) for entry in self.entries)

    def lookup(self, name, version):
        """The Entry for NAME at VERSION, or None when App Engine never offered that version."""
        return self._by_key.get((name, version))

    def versions(self, name):
        return [entry.version for entry in self.entries if entry.name == name]


def parse(lines, source=CATALOG_PATH):
    """Entries of catalog lines `name version module source what...`; '#' starts a comment line."""
    entries = []
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith('#'):
            continue
        fields = line.strip().split(None, 4)
        if len(fields) != 5 or fields[3] not in SOURCES:
            raise ValueError('%s:%d: expected "name version module source what", source one of %s'
                             % (source, number, ', '.join(SOURCES)))
        entries.append(Entry(*fields))
    return Catalog(entries)


_catalog = None


def load():
    """The image's catalog (parsed once)."""
    global _catalog
    if _catalog is None:
        with open(CATALOG_PATH) as catalog_file:
            _catalog = parse(catalog_file)
    return _catalog
