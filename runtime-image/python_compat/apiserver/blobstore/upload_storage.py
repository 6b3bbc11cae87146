"""Stores an upload's files with the SDK's own code, and takes back everything of an upload it refuses.

The SDK (devappserver2's blob_upload.Application.store_and_build_forward_message) checks the session's limits,
writes each file to blob storage with its BlobInfo entity and rewrites the form. When it refuses an upload half-way
(413, a bad content type, a filename that is not UTF-8) it deletes the BlobInfo entities it made but not the blob
files; a failure it does not expect leaves both. Here every blob it stored for a refused upload is removed.
"""

import logging

import webob.exc

from google.appengine.api import apiproxy_stub_map
from google.appengine.api import datastore
from google.appengine.api import datastore_errors
from google.appengine.api.blobstore import blobstore
from google.appengine.tools.devappserver2 import blob_upload

from python_compat.apiserver.blobstore import upload_limits

_log = logging.getLogger(__name__)


def store(fields, session):
    """(content type, body) of the form the app receives, each file of `fields` (the parsed cgi.FieldStorage)
    stored as a blob under the limits of `session` (its datastore entity). Raises upload_limits.Refused when the
    SDK refuses the upload, after removing whatever it had stored; other errors propagate, also after that."""
    storage = _RecordingStorage(apiproxy_stub_map.apiproxy.GetStub('blobstore').storage)
    sdk = blob_upload.Application(None, get_blob_storage=lambda: storage)
    try:
        return sdk.store_and_build_forward_message(
            fields, max_bytes_per_blob=session.get('max_bytes_per_blob'),
            max_bytes_total=session.get('max_bytes_total'), bucket_name=session.get('gs_bucket_name'))
    except webob.exc.HTTPException as refusal:
        storage.remove_stored()
        raise upload_limits.Refused('%s\n' % (refusal.detail or refusal.title), refusal.code)
    except blob_upload.Error as error:
        storage.remove_stored()
        raise upload_limits.Refused('%s\n' % error)
    except Exception:
        storage.remove_stored()
        raise


class _RecordingStorage(object):
    """The blobstore stub's storage, noting the key of every blob stored through it."""

    def __init__(self, storage):
        self._storage = storage
        self.stored = []

    def StoreBlob(self, blob_key, blob_stream):  # pylint: disable=invalid-name
        self.stored.append(blob_key)
        return self._storage.StoreBlob(blob_key, blob_stream)

    def __getattr__(self, name):
        return getattr(self._storage, name)

    def remove_stored(self):
        """Deletes every blob stored so far, file and BlobInfo entity; a failure to delete one is logged."""
        for blob_key in self.stored:
            try:
                self._storage.DeleteBlob(blob_key)
                datastore.Delete(datastore.Key.from_path(blobstore.BLOB_INFO_KIND, str(blob_key), namespace=''))
            except (EnvironmentError, datastore_errors.Error) as error:
                _log.error('could not remove blob %s of a refused upload: %s', blob_key, error)
        del self.stored[:]
