"""Puts the App Engine SDK's bundled third-party libraries that the service stubs need on sys.path.

The SDK wheel only puts its root on sys.path; its `lib/*` directories stay off it, so each user adds what
it needs.
"""

import os
import sys

STUB_LIBRARIES = (
    # urlfetch validates HTTPS certificates only when it can import fancy_urllib.
    'fancy_urllib',
    # app_identity looks for Application Default Credentials (real tokens on Google Cloud) with these.
    'oauth2client',
    'httplib2',
)


def sdk_root():
    """The SDK directory that holds `google/appengine` and `lib/`."""
    import google.appengine
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(google.appengine.__file__))))


def add_stub_libraries_to_path():
    """Appends the SDK library directories the stubs import to sys.path (once each)."""
    lib = os.path.join(sdk_root(), 'lib')
    for name in STUB_LIBRARIES:
        path = os.path.join(lib, name)
        if path not in sys.path:
            sys.path.append(path)
