"""app.yaml `libraries:`: App Engine's built-in libraries, served the way App Engine put them on sys.path.

What App Engine enabled (python_compat.builtin_libraries.resolution: named versions with `latest` resolved, the
libraries they require, the default ones) is served from where builtin_libraries/catalog.txt says:
- the SDK's bundled copy lib/<name>-<version> (webapp2 2.3, webob 1.1.1, jinja2 2.6, flask 0.12, pytz ...), or
- the copy the child image's build installed from the runtime's wheelhouse into
  /opt/python-compat/libraries/<name>-<version> (django, lxml, numpy, pycrypto ...).
Named and required libraries go right after the app root on sys.path, ahead of the runtime's own packages in
/env; default libraries go last, so the runtime's own copy of e.g. webapp2 still serves apps that never named it.
Python's own (ssl) and the runtime's own (PIL is /env's Pillow) need nothing. A module the runtime itself imported
before the app (yaml, for app.yaml) stays the runtime's, with a warning naming both versions.
A start-up error names the library when the image lacks it: a wheelhouse library the child build did not
install (the image was built from another app.yaml), or one python-compat does not provide and the app does not
install itself.
"""

import logging
import os
import sys

from python_compat import builtin_libraries
from python_compat import google_namespace
from python_compat import lazy_pkg_resources
from python_compat import sdk
from python_compat.builtin_libraries import catalog as catalog_module
from python_compat.builtin_libraries import resolution
from python_compat.errors import StartupError

log = logging.getLogger(__name__)


def _importable(module):
    try:
        __import__(module)
        return True
    except ImportError:
        return False


def _installed_versions(libraries_dir, name):
    prefix = name + '-'
    try:
        names = os.listdir(libraries_dir)
    except OSError:
        return []
    return sorted(entry[len(prefix):] for entry in names if entry.startswith(prefix))


def library_path(entry, libraries_dir, source, key):
    """The directory that serves ENTRY, or None when nothing needs to go on sys.path; StartupError if missing."""
    if entry.source == 'sdk':
        return os.path.join(sdk.sdk_root(), 'lib', entry.what)
    if entry.source == 'wheelhouse':
        path = os.path.join(libraries_dir, entry.directory_name)
        if not os.path.isdir(path):
            installed = _installed_versions(libraries_dir, entry.name)
            raise StartupError(source, key, 'version %s is not installed in this image (%s); the image was built '
                               'from another app.yaml: rebuild it from this one'
                               % (entry.version, 'it has %s %s' % (entry.name, ', '.join(installed)) if installed
                                  else 'it has no %s' % entry.name))
        return path
    if entry.source == 'none' and not _importable(entry.module):
        raise StartupError(source, key, entry.not_provided_problem())
    return None


def _put_on_sys_path(path, first):
    if path in sys.path:
        return
    if first:
        sys.path.insert(1, path)  # right after the app root
    else:
        sys.path.append(path)
    if os.path.isdir(os.path.join(path, 'google')):
        # protobuf's google/ is part of the `google` namespace package, whose __path__ was fixed at start-up.
        google_namespace.add_to_google_namespace(os.path.join(path, 'google'), first)


def _serve(library, entry, source, libraries_dir):
    """Puts a named (or required) library first on sys.path, unless the runtime already imported that module."""
    path = library_path(entry, libraries_dir, source, library.key)
    if path is None:
        return
    imported = sys.modules.get(entry.module)
    imported_file = lazy_pkg_resources.module_file(imported) if imported is not None else None
    if imported is not None and not os.path.abspath(imported_file or '').startswith(path + os.sep):
        # A warning when app.yaml names the library; a library it only requires is a detail.
        level = logging.WARNING if library.named else logging.INFO
        version = getattr(imported, '__version__', None)
        if version:
            log.log(level, '%s: %s: version %s requested; serving %s %s, the version in this runtime', source,
                    library.key, library.version, library.name, version)
        else:
            log.log(level, '%s: %s: version %s requested; serving the copy this runtime imported first (%s)',
                    source, library.key, library.version, os.path.dirname(imported_file))
        return
    _put_on_sys_path(path, first=True)
    log.info('%s: %s: serving %s %s from %s', source, library.key, library.name, library.version, path)


def apply_libraries(libraries, source, libraries_dir=None, catalog=None):
    """Makes the libraries App Engine enabled for this app.yaml importable, or raises StartupError (one line)."""
    libraries_dir = libraries_dir or builtin_libraries.LIBRARIES_DIR
    catalog = catalog or catalog_module.load()
    requested = resolution.requested_libraries(libraries)
    for library in requested:
        entry = catalog.lookup(library.name, library.version)
        if entry is None:
            raise StartupError(source, library.key, 'version %s is not one App Engine offered (%s)'
                               % (library.version, ', '.join(catalog.versions(library.name))))
        _serve(library, entry, source, libraries_dir)
    for library in resolution.default_libraries(requested):
        entry = catalog.lookup(library.name, library.version)
        if entry is not None and entry.source == 'sdk':  # every default library is one the SDK bundles
            path = library_path(entry, libraries_dir, source, library.key)
            if os.path.isdir(path):
                _put_on_sys_path(path, first=False)
