"""The child image's build step: installs the built-in libraries its app.yaml enables from the runtime image's
wheelhouse, each into LIBRARIES_DIR/<name>-<version>, so /env (the runtime's own packages) stays untouched.

    python -m python_compat.builtin_libraries.install [APP_ROOT]

A library python-compat does not provide fails the build with one line per library (app.yaml key, library,
version, why), unless the app installed it itself (requirements.txt). An app.yaml that does not parse installs
nothing: the container reports it at start-up, as it does for every app.yaml error.
"""

from __future__ import print_function

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

from python_compat import builtin_libraries
from python_compat.builtin_libraries import catalog as catalog_module
from python_compat.builtin_libraries import resolution
from python_compat.errors import StartupError


# Where the runtime image's ONBUILD step copies the app (the Dockerfile passes it explicitly).
DEFAULT_APP_ROOT = '/app'


class InstallError(Exception):
    """The wheelhouse cannot install a library it lists (a broken runtime image, not an app error)."""


def _normalized(project):
    return re.sub(r'[-_.]+', '_', project).lower()


def wheel_hashes(wheelhouse):
    """{file name: sha256} of the wheelhouse's wheels and .deb files, from its SHA256SUMS."""
    hashes = {}
    with open(os.path.join(wheelhouse, 'SHA256SUMS')) as sums:
        for line in sums:
            digest, name = line.split()
            hashes[name.lstrip('*')] = digest
    return hashes


def hashed_requirement(distribution, hashes):
    """`project==version --hash=sha256:...` for the wheelhouse's wheel of DISTRIBUTION (`project==version`)."""
    project, _, version = distribution.partition('==')
    for name, digest in sorted(hashes.items()):
        parts = name.split('-')
        if _normalized(parts[0]) == _normalized(project) and parts[1] == version:
            return '%s --hash=sha256:%s' % (distribution, digest)
    raise InstallError('the library wheelhouse has no wheel of %s' % distribution)


def deb_files(entry, wheelhouse, hashes):
    """The wheelhouse's .deb file of each package ENTRY needs, each checked against SHA256SUMS."""
    paths = []
    for package in entry.debs:
        names = [name for name in sorted(hashes) if name.startswith(package + '_') and name.endswith('.deb')]
        if len(names) != 1:
            raise InstallError('the library wheelhouse has %d .deb files of %s, expected one' % (len(names), package))
        path = os.path.join(wheelhouse, names[0])
        with open(path, 'rb') as deb:
            if hashlib.sha256(deb.read()).hexdigest() != hashes[names[0]]:
                raise InstallError('%s does not match its sha256 in SHA256SUMS' % path)
        paths.append(path)
    return paths


def _installed_package(package):
    with open(os.devnull, 'w') as devnull:
        status = subprocess.Popen(['dpkg-query', '-W', '-f', '${Status}', package], stdout=subprocess.PIPE,
                                  stderr=devnull).communicate()[0]
    return status.decode('ascii', 'replace') == 'install ok installed'  # not 'unknown ok not-installed'


def install_debs(paths):
    """Installs the .deb files (offline, with dpkg) whose packages the image does not have yet."""
    missing = [path for path in paths if not _installed_package(os.path.basename(path).split('_')[0])]
    if not missing:
        return
    process = subprocess.Popen(['dpkg', '--install'] + missing, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = process.communicate()[0]
    if process.returncode != 0:
        raise InstallError('dpkg could not install %s: %s' % (' '.join(os.path.basename(path) for path in missing),
                                                               output.decode('utf-8', 'replace').strip()))


def install_entry(entry, wheelhouse, libraries_dir):
    """Installs ENTRY's Debian packages, then its distributions into libraries_dir/<name>-<version> with pip
    (no index, hashes checked)."""
    hashes = wheel_hashes(wheelhouse)
    install_debs(deb_files(entry, wheelhouse, hashes))
    target = os.path.join(libraries_dir, entry.directory_name)
    requirements = tempfile.NamedTemporaryFile('w', suffix='.txt', delete=False)
    try:
        with requirements:
            for distribution in entry.distributions:
                requirements.write(hashed_requirement(distribution, hashes) + '\n')
        if os.path.isdir(target):
            shutil.rmtree(target)
        command = [sys.executable, '-m', 'pip', 'install', '--quiet', '--no-index', '--no-deps', '--no-cache-dir',
                   '--find-links', wheelhouse, '--require-hashes', '--target', target, '-r', requirements.name]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        output = process.communicate()[0]
        if process.returncode != 0:
            raise InstallError('pip could not install %s: %s' % (' '.join(entry.distributions),
                                                                 output.decode('utf-8', 'replace').strip()))
    finally:
        os.unlink(requirements.name)
    return target


def _importable(module, app_root):
    """Whether MODULE imports in a fresh interpreter with the app root first on sys.path (the app's own copy)."""
    code = 'import sys; sys.path.insert(0, %r); import %s' % (app_root, module)
    with open(os.devnull, 'w') as devnull:
        return subprocess.call([sys.executable, '-c', code], stdout=devnull, stderr=devnull) == 0


def install_libraries(config, catalog, wheelhouse, libraries_dir, app_root, report=print):
    """Installs what config's libraries need from the wheelhouse; returns StartupErrors for what cannot be,
    in which case nothing is installed (the build fails anyway)."""
    errors, to_install = [], []
    for library in resolution.requested_libraries(config.libraries):
        entry = catalog.lookup(library.name, library.version)
        if entry is None:
            errors.append(StartupError(config.path, library.key, 'version %s is not one App Engine offered (%s)'
                                       % (library.version, ', '.join(catalog.versions(library.name)))))
        elif entry.source == 'wheelhouse':
            to_install.append((library, entry))
        elif entry.source == 'none':
            if _importable(entry.module, app_root):
                report('python-compat: %s: %s %s is the app\'s own copy' % (library.key, library.name,
                                                                            library.version))
            else:
                errors.append(StartupError(config.path, library.key, entry.not_provided_problem()))
    if errors:
        return errors
    for library, entry in to_install:
        target = install_entry(entry, wheelhouse, libraries_dir)
        report('python-compat: %s: %s %s installed into %s' % (library.key, library.name, library.version, target))
    return []


def main(argv=None):
    from python_compat.app import appyaml
    argv = sys.argv[1:] if argv is None else argv
    app_root = os.path.abspath(argv[0] if argv else DEFAULT_APP_ROOT)
    app_yaml = os.path.join(app_root, 'app.yaml')
    if not os.path.isfile(app_yaml):
        print('python-compat: %s: no app.yaml, so no built-in libraries to install' % app_yaml)
        return 0
    try:
        config = appyaml.load_app_yaml(app_yaml)
    except StartupError as error:
        print('python-compat: %s (reported again at start-up); no built-in libraries installed' % error.line())
        return 0
    try:
        errors = install_libraries(config, catalog_module.load(), builtin_libraries.WHEELHOUSE_DIR,
                                   builtin_libraries.LIBRARIES_DIR, app_root)
    except InstallError as error:
        print('python-compat: %s' % ' '.join(str(error).split()), file=sys.stderr)
        return 1
    for error in errors:
        print('python-compat: %s' % error.line(), file=sys.stderr)
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
