"""Blobstore uploads, as the serving runtime and the API server both see them: the path upload URLs use, and
the header by which the API server hands back the success path of an upload it has stored."""

# The SDK's upload URLs: /_ah/upload/<session key>.
PATH_PREFIX = '/_ah/upload/'
# Present only on a stored upload's reply: the path (and query) the app's upload handler is served at.
SUCCESS_PATH_HEADER = 'X-Python-Compat-Upload-Success-Path'
