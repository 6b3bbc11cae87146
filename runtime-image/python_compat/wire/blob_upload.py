"""Blobstore uploads, as the serving runtime and the API server both see them: the path upload URLs use, how the
serving runtime asks about a session before it reads a byte of the client's body, and the header by which the
API server hands back the success path of an upload it has stored.

    GET  /_ah/upload/<session>   200 and MAX_BYTES_HEADER: the session takes an upload of at most that many body
                                 bytes; else the status a POST would get (404: unknown or used session)
    POST /_ah/upload/<session>   stores the files: 200 with SUCCESS_PATH_HEADER and the rewritten form, or a
                                 4xx/503 refusal that leaves nothing stored
"""

# The SDK's upload URLs: /_ah/upload/<session key>.
PATH_PREFIX = '/_ah/upload/'
# On the answer to a session check: the most request body bytes an upload to this session may send.
MAX_BYTES_HEADER = 'X-Python-Compat-Upload-Max-Bytes'
# Present only on a stored upload's reply: the path (and query) the app's upload handler is served at.
SUCCESS_PATH_HEADER = 'X-Python-Compat-Upload-Success-Path'
