"""How this image serves each app.yaml `libraries:` entry: the one function `check` asks.

It reads what the runtime's start-up reads (app/libraries.py's tables, the SDK's bundled lib/ copies, and the
SDK's appinfo for what `latest` meant), without importing the library. Work on App Engine's built-in libraries
replaces the body of `library_support` with a lookup in its catalog; the rows `check` prints stay as they are.
"""

import os
import pkgutil
import re
import sys

from python_compat import sdk
from python_compat.app import libraries
from python_compat.check import rows


def latest_version(name):
    """The version App Engine served for `latest` (the SDK's appinfo), or None for a name it did not offer."""
    from google.appengine.api import appinfo
    supported = appinfo._NAME_TO_SUPPORTED_LIBRARY.get(name)  # pylint: disable=protected-access
    return supported.latest_version if supported is not None else None


def library_support(name, version, app_root):
    """(status, detail) for `libraries: - name: NAME, version: VERSION` of the app in `app_root`: status is
    rows.AS_ON_APP_ENGINE, rows.WARNING (served at another version than App Engine's) or rows.CANNOT_RUN (the
    start-up would stop: the image lacks it); detail says which copy serves it, in one sentence."""
    module = libraries.PINNED.get(name, (name,))[0]
    if version != 'latest' and module not in sys.modules and _sdk_copy(name, version):
        return rows.AS_ON_APP_ENGINE, "the SDK's bundled %s %s, the copy App Engine served" % (name, version)
    if name in libraries.PINNED:
        shipped = libraries.PINNED[name][1]
        if shipped is None or version in ('latest', shipped):
            return rows.AS_ON_APP_ENGINE, 'the image\'s %s %s' % (name, shipped or '(part of Python)')
        return rows.WARNING, ('serves %s %s, not %s (a start-up warning says so; App Engine served %s)'
                              % (name, shipped, version, version))
    if name in libraries.SDK_BUNDLED:
        return rows.AS_ON_APP_ENGINE, "the SDK's bundled %s" % libraries.SDK_BUNDLED[name]
    module = libraries.APP_INSTALLED_MODULES.get(name, name)
    if _installed(module):
        return rows.AS_ON_APP_ENGINE, 'installed in this image (module %s)' % module
    if _required_by_the_app(name, app_root):
        return rows.AS_ON_APP_ENGINE, "installed from the app's requirements.txt when its image is built"
    return rows.CANNOT_RUN, ("%s %s is not in this runtime image and not in the app's requirements.txt: start-up "
                             "stops" % (name, version))


def _sdk_copy(name, version):
    return os.path.isdir(os.path.join(sdk.sdk_root(), 'lib', '%s-%s' % (name, version)))


def _installed(module):
    try:
        return pkgutil.find_loader(module) is not None
    except ImportError:  # a parent package of a dotted name is missing
        return False


def _required_by_the_app(name, app_root):
    path = os.path.join(app_root, 'requirements.txt')
    if not os.path.isfile(path):
        return False
    with open(path) as requirements:
        projects = [re.split(r'[\s<>=!~;\[]', line.strip(), 1)[0].lower() for line in requirements]
    return name.lower() in projects
