"""Where the App Engine SDK lives in the image, and its bundled third-party libraries under lib/."""

import os
import sys

from python_compat import google_namespace

# The SDK's own modules import these bundled libraries (the search API needs antlr3, urlfetch fancy_urllib,
# ipaddr is used by the request's IP handling); dev_appserver put them on sys.path, and so do we.
LIBRARIES_THE_SDK_NEEDS = ('antlr3', 'fancy_urllib', 'ipaddr')
# What the API server's service stubs import besides: urlfetch validates HTTPS certificates only when it can
# import fancy_urllib; app_identity looks for Application Default Credentials with oauth2client and httplib2.
LIBRARIES_THE_STUBS_NEED = ('fancy_urllib', 'oauth2client', 'httplib2')


def sdk_root():
    site_packages = os.path.dirname(os.path.dirname(os.path.abspath(google_namespace.__file__)))
    return google_namespace.sdk_root(site_packages)


def add_bundled_library(directory):
    path = os.path.join(sdk_root(), 'lib', directory)
    if os.path.isdir(path) and path not in sys.path:
        sys.path.append(path)


def add_libraries_the_sdk_needs():
    for directory in LIBRARIES_THE_SDK_NEEDS:
        add_bundled_library(directory)


def add_libraries_the_stubs_need():
    """Call before the SDK's stub modules are imported: some decide at import time what they can do."""
    for directory in LIBRARIES_THE_STUBS_NEED:
        add_bundled_library(directory)
