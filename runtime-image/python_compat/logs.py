"""Logs as App Engine Flexible and Cloud Run ingest them: one JSON object per line on stdout.

The app's `logging` records keep their level (the root logger starts at LOG_LEVEL, DEBUG by default, and
the app may change it; the 2017 runtime forced INFO and lost DEBUG), carry the request's trace, and one
request log with `httpRequest` is written per request. LOG_FORMAT=text gives plain lines for local runs.
"""

import atexit
import json
import json.encoder
import logging
import os
import sys
import threading
import time

from python_compat import request_environ

try:
    from gevent.local import local as _local_class
except ImportError:  # pragma: no cover - the runtime image always has gevent
    from threading import local as _local_class

TRACE_KEY = 'logging.googleapis.com/trace'
SPAN_KEY = 'logging.googleapis.com/spanId'
SAMPLED_KEY = 'logging.googleapis.com/trace_sampled'
SOURCE_KEY = 'logging.googleapis.com/sourceLocation'
REQUEST_LOGGER = 'python_compat.request'

_request = _local_class()


def parse_trace_context(header):
    """(trace id, span id, sampled) from `X-Cloud-Trace-Context: TRACE/SPAN;o=1`; Nones when absent/bad."""
    if not header:
        return None, None, None
    trace, _, rest = header.partition('/')
    span, _, options = rest.partition(';')
    if not trace or not all(c in '0123456789abcdefABCDEF' for c in trace):
        return None, None, None
    return trace, (span if span.isdigit() else None), (options.strip() == 'o=1')


class RequestLogContext(object):
    """The trace of the request running in this greenlet/thread, for every log line it writes."""

    @staticmethod
    def begin(trace_fields):
        _request.fields = trace_fields

    @staticmethod
    def end():
        _request.fields = None

    @staticmethod
    def current():
        return getattr(_request, 'fields', None) or {}


def trace_fields(project, header):
    trace, span, sampled = parse_trace_context(header)
    if trace is None:
        return {}
    fields = {TRACE_KEY: 'projects/%s/traces/%s' % (project, trace)}
    if span:
        fields[SPAN_KEY] = span
    if sampled is not None:
        fields[SAMPLED_KEY] = sampled
    return fields


_second_cache = [None, '']


def _timestamp(created):
    """RFC 3339 UTC with microseconds. The part up to the second is cached: many lines share it."""
    second = int(created)
    if _second_cache[0] != second:
        _second_cache[:] = [second, time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(second))]
    return '%s.%06dZ' % (_second_cache[1], int((created - second) * 1e6))


class JsonFormatter(logging.Formatter):
    """One structured log entry per record."""

    def format(self, record):
        message = record.getMessage()
        if isinstance(message, str):
            # A byte string that is not UTF-8 would make json.dumps drop the whole record.
            message = message.decode('utf-8', 'replace')
        if record.exc_info:
            message = '%s\n%s' % (message, self.formatException(record.exc_info))
        entry = {
            'severity': 'WARNING' if record.levelname == 'WARN' else record.levelname,
            'message': message,
            'timestamp': _timestamp(record.created),
            'logger': record.name,
            SOURCE_KEY: {'file': record.pathname, 'line': record.lineno, 'function': record.funcName},
        }
        entry.update(RequestLogContext.current())
        entry.update(getattr(record, 'structured', None) or {})
        return json.dumps(entry, default=repr)


class TextFormatter(logging.Formatter):
    def __init__(self):
        logging.Formatter.__init__(self, '%(asctime)s %(levelname)s %(name)s: %(message)s')


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


class _Output(object):
    """Where and how configure() said logs go; the request log writes there directly, in batches."""
    stream = sys.stdout
    log_format = 'json'
    request_log = RequestLogBuffer(sys.stdout)


def configure(log_format, level):
    """Sends every record to stdout in `log_format`. Sets the root level once; the app may change it later."""
    _Output.stream = sys.stdout
    _Output.log_format = log_format
    _Output.request_log = RequestLogBuffer(sys.stdout)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter() if log_format == 'json' else TextFormatter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level))
    for name in ('gunicorn.error', 'gunicorn.access'):
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True


def begin_trace(project, environ):
    """The trace fields of a request's `X-Cloud-Trace-Context` (None without one), which every log line the
    request writes carries until write_request_log."""
    header = environ.get('HTTP_X_CLOUD_TRACE_CONTEXT')
    # Most requests carry no trace: they leave the context alone (the last one with a trace cleared it).
    fields = trace_fields(project, header) if header else None
    if fields:
        RequestLogContext.begin(fields)
    return fields


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
    log_id = environ.get(request_environ.LOG_ID_KEY)
    return _REQUEST_ENTRY % (
        severity, quote(summary), _timestamp(now), quote(method), quote(url), status, size,
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
