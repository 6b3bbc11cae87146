"""Backends of the API server's `datastore_v3` service.

`sqlite_stub` (the default) keeps the datastore in SQLite under the storage path; `cloud/` serves the same calls
from Cloud Datastore (Firestore in Datastore mode).
"""
