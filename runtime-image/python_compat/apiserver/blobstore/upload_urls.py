"""The host in the upload URLs the blobstore stub makes (`blobstore.create_upload_url`)."""

import os

# The serving runtime replaces it with its request's host.
UPLOAD_URL_PLACEHOLDER_HOST = 'localhost'


def give_upload_urls_a_host():
    """Lets the blobstore stub build upload URLs: it takes their host from this process's environment (the
    SDK's local request info), which in a server shared by many apps names no request."""
    os.environ.setdefault('HTTP_HOST', UPLOAD_URL_PLACEHOLDER_HOST)
