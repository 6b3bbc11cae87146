"""How this runtime serves each library App Engine enabled for an app.yaml: one row per library, for reports
such as the `check` subcommand (no import, no install, no sys.path change)."""

import collections

from python_compat.builtin_libraries import catalog as catalog_module
from python_compat.builtin_libraries import resolution


class Served(collections.namedtuple('Served', 'key name version source detail')):
    """source: sdk, wheelhouse, python, runtime or none (catalog.txt), 'unknown' for a version App Engine never
    offered; detail: the SDK lib/ directory, the distributions installed at build time, or why not."""


def how_served(libraries, catalog=None):
    """Rows for app.yaml's `libraries:` (AppInfoExternal.libraries), the ones they require and the defaults."""
    catalog = catalog or catalog_module.load()
    requested = resolution.requested_libraries(libraries)
    rows = []
    for library in requested + resolution.default_libraries(requested):
        entry = catalog.lookup(library.name, library.version)
        if entry is None:
            rows.append(Served(library.key, library.name, library.version, 'unknown',
                               'App Engine offered %s' % ', '.join(catalog.versions(library.name))))
        else:
            rows.append(Served(library.key, library.name, library.version, entry.source, entry.what))
    return rows
