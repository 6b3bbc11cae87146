"""One request log entry per request, with `httpRequest`, written straight to the log stream in batches."""

import atexit
import json
import json.encoder
import os
import sys
import threading
import time

from python_compat.logs import formatters
from python_compat.logs.trace import RequestLogContext

REQUEST_LOGGER = 'python_compat.request'
# The WSGI environ key of the request's REQUEST_LOG_ID (pipeline/request_environ.py sets it).
LOG_ID_KEY = 'python_compat.request_log_id'


class RequestLogBuffer(object):
    """Collects request log lines and writes them in batches: one write() syscall per request to the
    container's log pipe costs a fifth of a hello-world app's throughput.

    A batch never exceeds PIPE_BUF (4096 bytes), the size up to which a write to a pipe is atomic, so lines
    from several workers sharing stdout never interleave. Lines wait at most FLUSH_SECONDS: a background
    flusher (a greenlet under gevent workers, a thread otherwise, started in the worker on first use) writes
    what is pending, and so does process exit.
    """

    PIPE_BUF = 4096
    FLUSH_SECONDS = 0.1

    def __init__(self, stream):
        self.stream = stream
        self.lines = []
        self.size = 0
        self.flusher_pid = None

    def write_line(self, line):
        data = line + '\n'
        if self.size + len(data) > self.PIPE_BUF:
            self.flush()
        if len(data) > self.PIPE_BUF:
            self.stream.write(data)
            return
        if not self.lines and self.flusher_pid != os.getpid():
            self._start_flusher()  # checked once per batch: getpid() is a system call
        self.lines.append(data)
        self.size += len(data)

    def flush(self):
        if self.lines:
            data = ''.join(self.lines)
            self.lines = []
            self.size = 0
            self.stream.write(data)

    def _flush_at_exit(self):
        try:
            self.flush()
        except (IOError, ValueError):
            pass  # stdout already closed: nowhere left to write to

    def _start_flusher(self):
        # Per process: gunicorn forks workers after the master configured logging.
        self.flusher_pid = os.getpid()
        atexit.register(self._flush_at_exit)
        flusher = threading.Thread(target=self._flush_periodically, name='request-log-flusher')
        flusher.daemon = True
        flusher.start()

    def _flush_periodically(self):
        pid = os.getpid()
        while self.flusher_pid == pid:
            time.sleep(self.FLUSH_SECONDS)
            self.flush()


def write_to(stream, log_format):
    """Makes request logs go to `stream` in `log_format` ('json' or 'text'), in batches."""
    _Output.stream = stream
    _Output.log_format = log_format
    _Output.request_log = RequestLogBuffer(stream)


class _Output(object):
    """Where and how configure() said logs go; the request log writes there directly, in batches."""
    stream = sys.stdout
    log_format = 'json'
    request_log = RequestLogBuffer(sys.stdout)


_quote = json.encoder.encode_basestring_ascii
# The request log entry, filled in with %: a template and C-level string quoting cost a fifth of
# json.dumps of the same nested dict, and this runs on every request.
_REQUEST_ENTRY = ('{"severity":"%s","message":%s,"timestamp":"%s","logger":"' + REQUEST_LOGGER + '",'
                  '"httpRequest":{"requestMethod":%s,"requestUrl":%s,"status":%d,"responseSize":"%d",'
                  '"userAgent":%s,"remoteIp":%s,"latency":"%.6fs","protocol":%s%s},"requestLogId":%s%s}')


def _quote_replacing(text):
    return _quote(text.decode('utf-8', 'replace') if isinstance(text, str) else text)


def _request_entry(environ, method, url, status, size, started, now, severity, summary, trace, quote):
    referer = environ.get('HTTP_REFERER')
    log_id = environ.get(LOG_ID_KEY)
    return _REQUEST_ENTRY % (
        severity, quote(summary), formatters.timestamp(now), quote(method), quote(url), status, size,
        quote(environ.get('HTTP_USER_AGENT', '')), quote(environ.get('REMOTE_ADDR', '')), now - started,
        quote(environ.get('SERVER_PROTOCOL', '')), ',"referer":%s' % quote(referer) if referer else '',
        quote(log_id) if log_id else 'null', ',' + json.dumps(trace, separators=(',', ':'))[1:-1] if trace else '')


def write_request_log(environ, status, size, started, trace):
    """The request log of a finished request; ends its trace context.

    Written straight to the log stream, in batches: the logging module's record, handler and formatter
    machinery would cost more than the rest of the runtime's per-request work together."""
    now = time.time()
    method = environ.get('REQUEST_METHOD') or ''
    url = environ.get('PATH_INFO', '')
    if environ.get('QUERY_STRING'):
        url += '?' + environ['QUERY_STRING']
    severity = 'ERROR' if status >= 500 else 'INFO'
    summary = '%s %s %d' % (method, url, status)
    if _Output.log_format == 'json':
        try:
            line = _request_entry(environ, method, url, status, size, started, now, severity, summary, trace, _quote)
        except UnicodeDecodeError:
            # Bytes that are not UTF-8 (in the path, say) are replaced rather than losing the line.
            line = _request_entry(environ, method, url, status, size, started, now, severity, summary, trace,
                                  _quote_replacing)
    else:
        line = '%s %s %s: %s %.6fs %d' % (time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(started)), severity,
                                          REQUEST_LOGGER, summary, now - started, size)
    _Output.request_log.write_line(line)
    if trace:
        RequestLogContext.end()
