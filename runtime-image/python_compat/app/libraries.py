"""app.yaml `libraries:`: what App Engine supplied, served from the packages pinned in the image.

On App Engine the platform put each requested library on sys.path. Here, in order of preference:
1. the exact version App Engine served, when the SDK bundles that copy under lib/NAME-VERSION (webob 1.1.1,
   jinja2 2.6, webapp2 2.3, pytz 2017.3 ...): put first on sys.path, so the app gets what it ran with;
2. the version pinned in /env ('latest', or a version we do not have: a start-up warning names it);
3. a copy the app installed itself (requirements.txt in the child image);
anything else is a start-up error.
"""

import logging
import sys

from python_compat.errors import StartupError
from python_compat import sdk

log = logging.getLogger(__name__)

# app.yaml name -> (module to import, version we ship)
PINNED = {
    'webapp2': ('webapp2', '2.5.2'),
    'webob': ('webob', '1.8.11'),
    'jinja2': ('jinja2', '2.11.3'),
    'markupsafe': ('markupsafe', '1.1.1'),
    'yaml': ('yaml', '5.4.1'),
    'six': ('six', '1.17.0'),
    'pytz': ('pytz', '2021.3'),
    'ssl': ('ssl', None),
    'werkzeug': ('werkzeug', '1.0.1'),
    'flask': ('flask', '1.1.4'),
    'itsdangerous': ('itsdangerous', '1.1.0'),
    'click': ('click', '7.1.2'),
    'PIL': ('PIL', '6.2.2'),
    'setuptools': ('setuptools', '44.1.1'),
    'grpcio': ('grpc', '1.39.0'),
    'protobuf': ('google.protobuf', '3.17.3'),
    'requests': ('requests', '2.27.1'),
}
# Libraries the SDK itself bundles under lib/: put on sys.path on request.
SDK_BUNDLED = {
    'protorpc': 'protorpc-1.0',
    'endpoints': 'endpoints-1.0',
    'antlr3': 'antlr3',
    'fancy_urllib': 'fancy_urllib',
    'ipaddr': 'ipaddr',
    'simplejson': 'simplejson',
}
# Importable module of libraries we do not ship, to find an app-installed copy.
APP_INSTALLED_MODULES = {
    'django': 'django', 'lxml': 'lxml', 'numpy': 'numpy', 'matplotlib': 'matplotlib', 'MySQLdb': 'MySQLdb',
    'pycrypto': 'Crypto', 'crcmod': 'crcmod', 'cssselect': 'cssselect', 'libxml2': 'libxml2',
    'PyAMF': 'pyamf', 'pyasn1': 'pyasn1', 'pyasn1_modules': 'pyasn1_modules', 'psycopg2': 'psycopg2',
    'ujson': 'ujson', 'enum': 'enum', 'futures': 'concurrent.futures', 'mock': 'mock', 'sqlite3': 'sqlite3',
}


def _importable(module):
    try:
        __import__(module)
        return True
    except ImportError:
        return False


def _use_sdk_copy(name, version):
    """Puts the SDK's lib/NAME-VERSION first on sys.path when it exists and NAME is not imported yet."""
    module = PINNED.get(name, (name,))[0]
    if module in sys.modules:
        return False  # the runtime itself imported it (yaml, for app.yaml): the pinned copy stays
    return sdk.prepend_bundled_library('%s-%s' % (name, version))


def apply_libraries(libraries, source):
    """Makes every library in app.yaml's `libraries:` importable, warning or failing as described above."""
    for index, library in enumerate(libraries):
        name, version = library.name, str(library.version)
        key = 'libraries[%d] (%s)' % (index, name)
        if version != 'latest' and _use_sdk_copy(name, version):
            log.info('%s: %s: serving the SDK\'s bundled %s %s', source, key, name, version)
        elif name in PINNED:
            module, shipped = PINNED[name]
            if shipped and version not in ('latest', shipped):
                log.warning('%s: %s: version %s requested; serving %s %s, the version in this runtime',
                            source, key, version, name, shipped)
        elif name in SDK_BUNDLED:
            sdk.add_bundled_library(SDK_BUNDLED[name])
        elif not _importable(APP_INSTALLED_MODULES.get(name, name)):
            raise StartupError(source, key, 'version %s is not in this runtime image; add %s to the app\'s '
                               'requirements.txt' % (version, name))
