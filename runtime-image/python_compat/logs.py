"""Logs as App Engine Flexible and Cloud Run ingest them: one JSON object per line on stdout.

The app's `logging` records keep their level (the root logger starts at LOG_LEVEL, DEBUG by default, and
the app may change it; the 2017 runtime forced INFO and lost DEBUG), carry the request's trace, and one
request log with `httpRequest` is written per request. LOG_FORMAT=text gives plain lines for local runs.
"""

import atexit
import json
import logging
import os
import sys
import threading
import time

from python_compat import closing

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
        self.lines.append(data)
        self.size += len(data)
        if self.flusher_pid != os.getpid():
            self._start_flusher()

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


class RequestLogMiddleware(object):
    """Writes one request log per request (status, size, latency ...) and scopes the trace to the request."""

    def __init__(self, app, project):
        self.app = app
        self.project = project

    def __call__(self, environ, start_response):
        started = time.time()
        RequestLogContext.begin(trace_fields(self.project, environ.get('HTTP_X_CLOUD_TRACE_CONTEXT')))
        response = {'status': 500, 'size': 0}

        def logging_start_response(status, headers, exc_info=None):
            response['status'] = int(status.split(' ', 1)[0])
            return start_response(status, headers, exc_info)

        try:
            body = self.app(environ, logging_start_response)
        except BaseException:
            self.write(environ, response, started)
            RequestLogContext.end()
            raise
        return _CountingBody(body, response, lambda: self.finish(environ, response, started))

    def finish(self, environ, response, started):
        self.write(environ, response, started)
        RequestLogContext.end()

    def write(self, environ, response, started):
        latency = time.time() - started
        url = environ.get('PATH_INFO', '')
        if environ.get('QUERY_STRING'):
            url += '?' + environ['QUERY_STRING']
        http_request = {
            'requestMethod': environ.get('REQUEST_METHOD'),
            'requestUrl': url,
            'status': response['status'],
            'responseSize': str(response['size']),
            'userAgent': environ.get('HTTP_USER_AGENT', ''),
            'remoteIp': environ.get('REMOTE_ADDR', ''),
            'latency': '%.6fs' % latency,
            'protocol': environ.get('SERVER_PROTOCOL', ''),
        }
        if environ.get('HTTP_REFERER'):
            http_request['referer'] = environ['HTTP_REFERER']
        severity = 'ERROR' if response['status'] >= 500 else 'INFO'
        summary = '%s %s %d' % (http_request['requestMethod'], url, response['status'])
        # Written straight to the log stream, one write per line: the logging module's record, handler and
        # formatter machinery would cost more than the rest of the runtime's per-request work together.
        if _Output.log_format == 'json':
            entry = {'severity': severity, 'message': summary, 'timestamp': _timestamp(started + latency),
                     'logger': REQUEST_LOGGER, 'httpRequest': http_request,
                     'requestLogId': environ.get('python_compat.request_log_id')}
            entry.update(RequestLogContext.current())
            line = json.dumps(entry)
        else:
            line = '%s %s %s: %s %s %s' % (time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(started)), severity,
                                           REQUEST_LOGGER, summary, http_request['latency'],
                                           http_request['responseSize'])
        _Output.request_log.write_line(line)


class _CountingBody(closing.ClosingBody):
    """Counts the bytes of the response body for the request log."""

    def __init__(self, body, response, on_close):
        closing.ClosingBody.__init__(self, body, on_close)
        self.response = response

    def __iter__(self):
        for chunk in self.body:
            self.response['size'] += len(chunk)
            yield chunk
