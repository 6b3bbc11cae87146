"""Parses an upload's form the way the SDK does (cgi.FieldStorage), refusing what the SDK would have stored wrongly.

Each file is spooled to a temporary file no larger than the session's max_bytes_per_blob (TooLarge as soon as it
grows past it). A body that is not a complete form (a bad boundary, a body cut off before its closing boundary,
chunked framing that breaks) is a Refused 400, where the SDK would have failed with a 500 or stored the part it
got, as is a body that stops before its end. Every temporary file is closed (and so removed) by close(), also when
parsing fails half-way.
"""

import cgi

from python_compat.apiserver.blobstore import upload_limits

_MULTIPART = 'multipart/'
_EPILOGUE_READ_BYTES = 1 << 16


class UploadForm(object):
    """One upload's form: `fields` is its cgi.FieldStorage, as the SDK's blob_upload expects."""

    def __init__(self, body, environ, max_bytes_per_blob):
        """Reads the whole form from the file-like `body`; raises upload_limits.Refused (with nothing left open)
        when it is too large or malformed."""
        self._spooled = []
        try:
            self.fields = self._parse(body, environ, max_bytes_per_blob)
        except upload_limits.Refused:
            self.close()
            raise
        except ValueError as error:
            self.close()
            raise upload_limits.Refused('malformed upload: %s\n' % error)
        except (IOError, EOFError) as error:
            # The body ended before its Content-Length or its last chunk, or its chunked framing was broken.
            self.close()
            raise upload_limits.Refused('upload body incomplete: %s\n' % error)

    def _parse(self, body, environ, max_bytes_per_blob):
        fields = _form_class(self._spooled, max_bytes_per_blob)(fp=body, environ=_parser_environ(environ))
        if environ.get('CONTENT_TYPE', '').lower().startswith(_MULTIPART) and not _complete(fields):
            raise upload_limits.Refused('malformed upload: the form ends before its closing boundary\n')
        # The parser stops at the closing boundary; the body must still arrive whole, or the client (or the
        # serving runtime, refusing it part-way) gave up on it.
        while body.read(_EPILOGUE_READ_BYTES):
            pass
        return fields

    def close(self):
        """Closes every temporary file the form spooled; they were unlinked when made, so this frees their disk
        even while a traceback still refers to the parser's objects."""
        for spooled in self._spooled:
            spooled.close()
        del self._spooled[:]


def _parser_environ(environ):
    """What cgi.FieldStorage reads from the environ: a POST of this body (its length only when known)."""
    parser_environ = {'REQUEST_METHOD': 'POST', 'CONTENT_TYPE': environ.get('CONTENT_TYPE', '')}
    if environ.get('CONTENT_LENGTH'):
        parser_environ['CONTENT_LENGTH'] = environ['CONTENT_LENGTH']
    return parser_environ


def _complete(fields):
    # cgi marks the part that met the closing boundary done == 1; -1 means the body ended first.
    parts = fields.list
    return bool(parts) and parts[-1].done == 1


def _form_class(spooled, max_bytes_per_blob):
    """A cgi.FieldStorage whose parts note every temporary file in `spooled`; file parts refuse to grow past
    max_bytes_per_blob (None: no limit)."""

    class SpoolingFieldStorage(cgi.FieldStorage):
        def make_file(self, binary=None):
            made = cgi.FieldStorage.make_file(self, binary)
            spooled.append(made)
            # A plain field keeps its size: the session's limits are about files.
            if max_bytes_per_blob is None or self.filename is None:
                return made
            return _LimitedFile(made, max_bytes_per_blob)

    return SpoolingFieldStorage


class _LimitedFile(object):
    """A temporary file that raises TooLarge once more than `limit` bytes are written to it."""

    def __init__(self, spooled, limit):
        self._spooled = spooled
        self._limit = limit
        self._written = 0

    def write(self, data):
        self._written += len(data)
        if self._written > self._limit:
            raise upload_limits.TooLarge('upload too large: a file is over %d bytes\n' % self._limit)
        self._spooled.write(data)

    def __getattr__(self, name):
        return getattr(self._spooled, name)
