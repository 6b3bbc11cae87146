"""blob_serving: which responses name a blob, without importing the blobstore API to find out."""

import subprocess
import sys

from google.appengine.ext import blobstore

from python_compat.pipeline import blob_serving


def test_the_header_it_looks_for_is_the_sdks():
    assert blob_serving.BLOB_KEY_HEADER == blobstore.BLOB_KEY_HEADER


def test_a_response_names_a_blob_by_its_header_in_any_case():
    assert blob_serving.has_blob_key([('Content-Type', 'text/plain'), ('x-appengine-blobkey', 'abc')])
    assert not blob_serving.has_blob_key([('Content-Type', 'text/plain'), ('X-AppEngine-BlobRange', 'bytes=0-1')])


def test_importing_it_leaves_the_blobstore_api_unimported():
    # A tenth of the serving process's start-up, paid only by apps that serve blobs.
    code = ('import sys; from python_compat.pipeline import request_pipeline; '
            'print([name for name in sys.modules if "blobstore" in name and sys.modules[name]])')
    assert subprocess.check_output([sys.executable, '-c', code]).strip() == '[]'
