"""How this image serves each library App Engine enabled for an app.yaml: the `check` rows of `libraries:`.

The built-in libraries' own report (builtin_libraries/summary.py: the catalog's answer for every library app.yaml
names and the ones they require) turned into check's words, without importing or installing anything.
"""

import os
import pkgutil
import re

from python_compat.background import cron
from python_compat.builtin_libraries import summary
from python_compat.check import rows

# Libraries App Engine enabled without app.yaml naming them: served behind the image's own copies, no row.
DEFAULT_KEY_PREFIX = 'default library'
# Modules of built-in libraries that the serving process has imported before it applies `libraries:`, so the app
# gets the runtime's copy (app/libraries.py warns): pkg_resources (gunicorn and gevent import it), and pytz when
# the app has a cron.yaml (the SDK's croninfo imports it). integration-tests/test_check.py compares this with a
# real start-up; `check` itself imports too little to see it in sys.modules.
RUNTIME_IMPORTS_FIRST = frozenset(['pkg_resources'])
RUNTIME_IMPORTS_FIRST_WITH_CRON = frozenset(['pytz'])


def runtime_imports_first(app_root):
    """The modules of RUNTIME_IMPORTS_FIRST* the runtime imports before it applies the app's `libraries:`."""
    if os.path.isfile(os.path.join(app_root, cron.CRON_FILE)):
        return RUNTIME_IMPORTS_FIRST | RUNTIME_IMPORTS_FIRST_WITH_CRON
    return RUNTIME_IMPORTS_FIRST


def served_libraries(libraries):
    """summary.Served rows of app.yaml's `libraries:` (AppInfoExternal.libraries) and the ones they require."""
    return [served for served in summary.how_served(libraries) if not served.key.startswith(DEFAULT_KEY_PREFIX)]


def library_support(served, app_root, module=None):
    """(status, detail) of one summary.Served row for the app in `app_root`: rows.AS_ON_APP_ENGINE, rows.WARNING
    (another copy serves it) or rows.CANNOT_RUN (start-up stops); `module` is what the app imports, to see
    whether the runtime imported it first or the app installs it itself."""
    if served.source in ('sdk', 'wheelhouse') and module in runtime_imports_first(app_root):
        # As app/libraries.py logs it: a warning for a library app.yaml names, a detail for one it requires.
        named = ' requires ' not in served.key
        return (rows.WARNING if named else rows.AS_ON_APP_ENGINE,
                'the runtime imported %s before the app: its own copy serves, not %s %s'
                % (module, served.name, served.version))
    if served.source == 'sdk':
        return rows.AS_ON_APP_ENGINE, "the SDK's bundled %s, the copy App Engine served" % served.detail
    if served.source == 'wheelhouse':
        return rows.AS_ON_APP_ENGINE, ("installed from the runtime's offline wheelhouse when the app's image is built "
                                       '(%s)' % ' '.join(item for item in served.detail.split()
                                                         if not item.startswith('deb:')))
    if served.source in ('python', 'runtime'):
        return rows.AS_ON_APP_ENGINE, served.detail
    if served.source == 'none' and (_installed(module) or _required_by_the_app(served.name, app_root)):
        return rows.AS_ON_APP_ENGINE, "installed by the app's requirements.txt"
    if served.source == 'none':
        return rows.CANNOT_RUN, ('version %s is not provided by python-compat (%s) and the app does not install it'
                                 % (served.version, served.detail))
    return rows.CANNOT_RUN, 'version %s: %s' % (served.version, served.detail)


def _installed(module):
    if not module:
        return False
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
