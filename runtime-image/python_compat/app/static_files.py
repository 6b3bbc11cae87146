"""Serves `static_files` and `static_dir` handlers: never outside the app root, HTTP caching done right.

What a python27 app's static handlers promised on App Engine: `upload` limits which files a `static_files`
handler may serve, `mime_type` / `expiration` / `http_headers` shape the response, and conditional (ETag,
If-Modified-Since) and Range requests behave as browsers and CDNs expect.
"""

import calendar
import email.utils
import hashlib
import mimetypes
import os
import re
import time

from python_compat import responses

CHUNK_SIZE = 64 * 1024
_RANGE = re.compile(r'^bytes=(\d*)-(\d*)$')


def http_date(timestamp):
    return email.utils.formatdate(timestamp, usegmt=True)


def parse_http_date(text):
    parsed = email.utils.parsedate_tz(text or '')
    return calendar.timegm(parsed[:9]) - (parsed[9] or 0) if parsed else None


def resolve_inside(root, relative_path):
    """The real path of `relative_path` under `root`, or None when it escapes the root.

    Rejects `..` segments, NUL bytes and backslashes outright, and resolves symlinks so a link pointing
    outside the root is refused too.
    """
    if '\0' in relative_path or '\\' in relative_path:
        return None
    if any(segment == '..' for segment in relative_path.split('/')):
        return None
    real_root = os.path.realpath(root)
    candidate = os.path.realpath(os.path.join(real_root, relative_path.lstrip('/')))
    if candidate != real_root and not candidate.startswith(real_root + os.sep):
        return None
    return candidate


class StaticFileHandler(object):
    """One static handler of app.yaml, called with the URL match that selected it."""

    def __init__(self, app_root, url_map, expiration_seconds):
        self.app_root = app_root
        self.url_map = url_map
        self.kind = url_map.GetHandlerType()
        self.upload = re.compile('^(?:%s)$' % url_map.upload) if url_map.upload else None
        self.mime_type = url_map.mime_type
        self.expiration_seconds = expiration_seconds
        self.http_headers = dict(url_map.http_headers or {})

    def relative_path(self, match):
        """The app-root-relative file a request asks for, or None when the handler's rules forbid it."""
        if self.kind == 'static_dir':
            rest = match.group(match.lastindex) if match.lastindex else ''
            return '%s/%s' % (self.url_map.static_dir.rstrip('/'), rest)
        path = match.expand(self.url_map.static_files)
        if self.upload is not None and not self.upload.match(path):
            return None
        return path

    def file_for(self, match):
        """The real path to serve, or None (missing, not a regular file, or outside the app root)."""
        relative = self.relative_path(match)
        if relative is None:
            return None
        path = resolve_inside(self.app_root, relative)
        if path is None or not os.path.isfile(path):
            return None
        return path

    def __call__(self, environ, start_response, match):
        path = self.file_for(match)
        method = environ.get('REQUEST_METHOD', 'GET')
        if path is None:
            return responses.plain(start_response, 404)
        if method not in ('GET', 'HEAD'):
            return responses.plain(start_response, 405, headers=[('Allow', 'GET, HEAD')])
        try:
            stat = os.stat(path)
            body_file = open(path, 'rb')
        except (IOError, OSError):
            return responses.plain(start_response, 404)
        size = stat.st_size
        mtime = int(stat.st_mtime)
        etag = '"%s"' % hashlib.sha1('%s:%d:%d' % (path, size, mtime)).hexdigest()[:20]
        headers = [('ETag', etag), ('Last-Modified', http_date(mtime)), ('Accept-Ranges', 'bytes'),
                   ('Content-Type', self.content_type(path))]
        headers.extend(self.cache_headers())
        headers.extend(self.http_headers.items())

        if self.not_modified(environ, etag, mtime):
            body_file.close()
            start_response(responses.status_line(304), [h for h in headers if h[0] != 'Content-Type'])
            return []

        first, last = 0, size - 1
        status = 200
        byte_range = self.requested_range(environ, etag, mtime, size)
        if byte_range == 'unsatisfiable':
            body_file.close()
            return responses.plain(start_response, 416, headers=[('Content-Range', 'bytes */%d' % size)])
        if byte_range is not None:
            first, last = byte_range
            status = 206
            headers.append(('Content-Range', 'bytes %d-%d/%d' % (first, last, size)))
        length = max(0, last - first + 1)
        headers.append(('Content-Length', str(length)))
        start_response(responses.status_line(status), headers)
        if method == 'HEAD':
            body_file.close()
            return []
        body_file.seek(first)
        return _FileRange(body_file, length)

    def content_type(self, path):
        if self.mime_type:
            return self.mime_type
        guessed, encoding = mimetypes.guess_type(path)
        if guessed is None:
            return 'application/octet-stream'
        if guessed.startswith('text/') or guessed in ('application/javascript', 'application/json'):
            return guessed + '; charset=utf-8'
        return guessed

    def cache_headers(self):
        if self.expiration_seconds is None:
            return []
        return [('Cache-Control', 'public, max-age=%d' % self.expiration_seconds),
                ('Expires', http_date(time.time() + self.expiration_seconds))]

    @staticmethod
    def not_modified(environ, etag, mtime):
        if_none_match = environ.get('HTTP_IF_NONE_MATCH')
        if if_none_match is not None:
            tags = [tag.strip() for tag in if_none_match.split(',')]
            return '*' in tags or etag in tags or 'W/' + etag in tags
        since = parse_http_date(environ.get('HTTP_IF_MODIFIED_SINCE'))
        return since is not None and mtime <= since

    @staticmethod
    def requested_range(environ, etag, mtime, size):
        """(first, last) of a single satisfiable byte range, 'unsatisfiable', or None for the whole file."""
        header = environ.get('HTTP_RANGE')
        if not header:
            return None
        if_range = environ.get('HTTP_IF_RANGE')
        if if_range and if_range != etag and parse_http_date(if_range) != mtime:
            return None
        match = _RANGE.match(header.strip())
        if not match or match.groups() == ('', ''):
            return None  # malformed or multi-range: serve the whole file, as RFC 7233 allows
        start, end = match.groups()
        if start == '':
            length = int(end)
            if length == 0 or size == 0:
                return 'unsatisfiable'
            return max(0, size - length), size - 1
        first = int(start)
        if end and int(end) < first:
            return None  # an invalid range is ignored: RFC 7233 serves the whole file
        last = min(int(end), size - 1) if end else size - 1
        if first >= size:
            return 'unsatisfiable'
        return first, last


class _FileRange(object):
    """A WSGI body that streams `length` bytes of an open file in chunks and closes it."""

    def __init__(self, body_file, length):
        self.body_file = body_file
        self.remaining = length

    def __iter__(self):
        while self.remaining > 0:
            chunk = self.body_file.read(min(CHUNK_SIZE, self.remaining))
            if not chunk:
                break
            self.remaining -= len(chunk)
            yield chunk

    def close(self):
        self.body_file.close()
