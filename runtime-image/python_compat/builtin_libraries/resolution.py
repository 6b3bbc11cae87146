"""Which libraries App Engine enabled for an app.yaml, following the SDK's own appinfo rules.

`latest` is the library's latest_version; each named library brings its REQUIRED_LIBRARIES (jinja2 2.6 brings
markupsafe 0.15 and setuptools 0.6c11) unless the app names that library itself (GetAllLibraries, one level);
libraries with a default_version are enabled even when app.yaml does not name them (GetNormalizedLibraries).
"""

import collections

from google.appengine.api import appinfo


class Requested(collections.namedtuple('Requested', 'name version key named')):
    """A library App Engine enabled, the app.yaml key it comes from (for one-line errors), and whether app.yaml
    names it (rather than a library requiring it, or the runtime enabling it by default)."""


def _resolve_latest(name, version):
    supported = appinfo._NAME_TO_SUPPORTED_LIBRARY.get(name)
    if version == 'latest' and supported is not None:
        return supported.latest_version
    return version


def requested_libraries(libraries):
    """The libraries app.yaml names (in order, `latest` resolved), then the ones they require."""
    named = [(index, library.name, str(library.version)) for index, library in enumerate(libraries or [])]
    names = set(name for _, name, _ in named)
    requested = [Requested(name, _resolve_latest(name, version), 'libraries[%d] (%s)' % (index, name), True)
                 for index, name, version in named]
    for index, name, version in named:
        for required_name, required_version in appinfo.REQUIRED_LIBRARIES.get((name, version), []):
            if required_name in names:
                continue
            names.add(required_name)
            requested.append(Requested(required_name, _resolve_latest(required_name, required_version),
                                       'libraries[%d] (%s %s requires %s)' % (index, name, version, required_name),
                                       False))
    return requested


def default_libraries(requested):
    """The libraries enabled by default that neither app.yaml nor a requirement already enabled."""
    names = set(library.name for library in requested)
    return [Requested(supported.name, supported.default_version, 'default library %s' % supported.name, False)
            for supported in appinfo._SUPPORTED_LIBRARIES
            if supported.default_version and supported.name not in names]
