"""logs: trace context, one JSON entry per record with the request's trace, one request log per request."""

import json
import StringIO
import logging
import re
import sys
import time

import mock
import pytest

from conftest import call_wsgi, make_environ, pipeline_for
from python_compat.logs import formatters
from python_compat.logs import request_log
from python_compat.logs import setup as log_setup
from python_compat.logs import trace
from python_compat.logs.formatters import JsonFormatter
from python_compat.logs.trace import RequestLogContext, parse_trace_context, trace_fields

TRACE = '105445aa7843bc8bf206b12000100000'
TRACE_HEADER = TRACE + '/123;o=1'


@pytest.fixture(autouse=True)
def no_request_context():
    yield
    RequestLogContext.end()


def record(message='hello %s', args=('world',), level=logging.INFO, exc_info=None, name='app', **extra):
    entry = logging.LogRecord(name, level, '/app/main.py', 12, message, args, exc_info, func='handler')
    entry.created = 1500000000.25
    entry.__dict__.update(extra)
    return entry


def formatted(entry):
    return json.loads(JsonFormatter().format(entry))


# Trace context

def test_trace_context_with_span_and_sampled():
    assert parse_trace_context(TRACE_HEADER) == (TRACE, '123', True)


def test_trace_context_not_sampled():
    assert parse_trace_context(TRACE + '/123;o=0') == (TRACE, '123', False)


def test_trace_context_without_span():
    assert parse_trace_context(TRACE) == (TRACE, None, False)


def test_trace_context_with_non_numeric_span_keeps_the_trace():
    assert parse_trace_context(TRACE + '/abc;o=1') == (TRACE, None, True)


@pytest.mark.parametrize('header', [None, '', '/123;o=1', 'not-hex!/1', 'xyz/1'])
def test_missing_or_bad_trace_context_is_nothing(header):
    assert parse_trace_context(header) == (None, None, None)


def test_trace_fields_name_the_project():
    assert trace_fields('proj', TRACE_HEADER) == {
        trace.TRACE_KEY: 'projects/proj/traces/' + TRACE, trace.SPAN_KEY: '123', trace.SAMPLED_KEY: True}


def test_trace_fields_without_a_header_are_empty():
    assert trace_fields('proj', None) == {}


# JsonFormatter

def test_json_entry_fields():
    assert formatted(record()) == {
        'severity': 'INFO',
        'message': 'hello world',
        'timestamp': '2017-07-14T02:40:00.250000Z',
        'logger': 'app',
        formatters.SOURCE_KEY: {'file': '/app/main.py', 'line': 12, 'function': 'handler'},
    }


def test_json_entry_is_one_line():
    assert '\n' not in JsonFormatter().format(record('two\nlines', ()))


def test_warn_level_name_is_reported_as_warning():
    entry = record(level=logging.WARNING)
    entry.levelname = 'WARN'

    assert formatted(entry)['severity'] == 'WARNING'


def test_exception_traceback_is_part_of_the_message():
    try:
        raise ValueError('broken')
    except ValueError:
        entry = record('failed', (), level=logging.ERROR, exc_info=sys.exc_info())

    message = formatted(entry)['message']

    assert message.startswith('failed\nTraceback (most recent call last):')
    assert message.endswith('ValueError: broken')


def test_entry_inside_a_request_carries_its_trace():
    RequestLogContext.begin(trace_fields('proj', TRACE_HEADER))

    entry = formatted(record())

    assert entry[trace.TRACE_KEY] == 'projects/proj/traces/' + TRACE
    assert (entry[trace.SPAN_KEY], entry[trace.SAMPLED_KEY]) == ('123', True)


def test_entry_after_the_request_has_no_trace():
    RequestLogContext.begin(trace_fields('proj', TRACE_HEADER))
    RequestLogContext.end()

    assert trace.TRACE_KEY not in formatted(record())


def test_structured_extra_fields_are_merged():
    assert formatted(record(structured={'httpRequest': {'status': 200}}))['httpRequest'] == {'status': 200}


def test_unserializable_arguments_are_rendered_with_repr():
    assert formatted(record(structured={'value': object}))['value'] == "<type 'object'>"


def test_utf8_byte_string_message_is_kept():
    assert formatted(record('caf\xc3\xa9', ()))['message'] == u'caf\xe9'


def test_non_utf8_byte_string_message_is_still_logged():
    assert 'caf' in formatted(record('caf\xe9', ()))['message']


# configure

@pytest.fixture
def root_logger():
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    yield root
    root.handlers[:], root.level = saved[0], saved[1]
    root.setLevel(saved[1])


def test_configure_sends_every_record_to_stdout_at_the_level(root_logger):
    log_setup.configure('json', 'WARNING')

    handler, = root_logger.handlers
    assert handler.stream is sys.stdout
    assert isinstance(handler.formatter, JsonFormatter)
    assert root_logger.level == logging.WARNING


def test_configure_text_format(root_logger):
    log_setup.configure('text', 'DEBUG')

    assert isinstance(root_logger.handlers[0].formatter, formatters.TextFormatter)


def test_configure_makes_gunicorn_loggers_propagate(root_logger):
    log_setup.configure('json', 'INFO')

    assert all(logging.getLogger(name).propagate and logging.getLogger(name).handlers == []
               for name in ('gunicorn.error', 'gunicorn.access'))


# The request log, written by the request pipeline

def ok_app(environ, start_response):
    start_response('200 OK', [])
    return ['abc', 'de']


def test_one_request_log_with_http_request_fields(request_logs):
    environ = make_environ('/path', query='q=1', headers={'User-Agent': 'curl/7', 'Referer': 'http://r/'})
    with mock.patch.object(request_log.time, 'time', side_effect=[100.0, 100.25]):
        call_wsgi(pipeline_for(ok_app), environ)

    entry, = request_logs()
    assert entry['severity'] == 'INFO'
    assert entry['message'] == 'GET /path?q=1 200'
    assert entry['logger'] == request_log.REQUEST_LOGGER
    assert re.match('^[0-9a-f]{32}$', entry['requestLogId'])
    assert entry['requestLogId'] == environ['python_compat.request_log_id']
    assert entry['httpRequest'] == {
        'requestMethod': 'GET', 'requestUrl': '/path?q=1', 'status': 200, 'responseSize': '5',
        'userAgent': 'curl/7', 'remoteIp': '203.0.113.9', 'latency': '0.250000s', 'protocol': 'HTTP/1.1',
        'referer': 'http://r/'}
    assert entry['timestamp'] == '1970-01-01T00:01:40.250000Z'


def test_request_log_is_written_when_the_body_is_closed(request_logs):
    body = pipeline_for(ok_app)(make_environ(), lambda *args: None)
    list(body)
    before_close = len(request_logs())
    body.close()

    assert (before_close, len(request_logs())) == (0, 1)


def test_server_error_request_log_is_an_error(request_logs):
    def failing(environ, start_response):
        start_response('503 Service Unavailable', [])
        return ['down']

    call_wsgi(pipeline_for(failing), make_environ())

    entry, = request_logs()
    assert entry['severity'] == 'ERROR'
    assert entry['httpRequest']['status'] == 503


def test_app_exception_logs_a_500_and_is_reraised(request_logs):
    def broken(environ, start_response):
        raise RuntimeError('boom')

    with pytest.raises(RuntimeError):
        pipeline_for(broken)(make_environ(), lambda *args: None)

    entry, = request_logs()
    assert entry['httpRequest']['status'] == 500
    assert RequestLogContext.current() == {}


def test_app_logs_inside_the_request_carry_the_trace():
    seen = []

    def app(environ, start_response):
        seen.append(RequestLogContext.current().get(trace.TRACE_KEY))
        start_response('200 OK', [])
        return ['x']

    call_wsgi(pipeline_for(app), make_environ(headers={'X-Cloud-Trace-Context': TRACE_HEADER}))

    assert seen == ['projects/proj/traces/' + TRACE]
    assert RequestLogContext.current() == {}


def test_request_log_itself_carries_the_trace(request_logs):
    call_wsgi(pipeline_for(ok_app), make_environ(headers={'X-Cloud-Trace-Context': TRACE_HEADER}))

    entry, = request_logs()
    assert entry[trace.TRACE_KEY] == 'projects/proj/traces/' + TRACE


def test_request_log_in_text_format_is_one_plain_line(monkeypatch):
    stream = StringIO.StringIO()
    buffer = request_log.RequestLogBuffer(stream)
    monkeypatch.setattr(request_log._Output, 'request_log', buffer)
    monkeypatch.setattr(request_log._Output, 'log_format', 'text')

    call_wsgi(pipeline_for(ok_app), make_environ('/path'))
    buffer.flush()

    line, = stream.getvalue().splitlines()
    assert 'INFO python_compat.request: GET /path 200' in line


# RequestLogBuffer

class CountingStream(object):
    def __init__(self):
        self.writes = []

    def write(self, data):
        self.writes.append(data)


def test_request_log_lines_are_written_in_batches_no_larger_than_pipe_buf():
    stream = CountingStream()
    buffer = request_log.RequestLogBuffer(stream)
    for n in range(200):
        buffer.write_line('{"n": %d, "padding": "%s"}' % (n, 'x' * 80))
    buffer.flush()

    assert 1 < len(stream.writes) < 20
    assert all(len(data) <= request_log.RequestLogBuffer.PIPE_BUF for data in stream.writes)
    lines = ''.join(stream.writes).splitlines()
    assert [json.loads(line)['n'] for line in lines] == list(range(200))


def test_a_line_longer_than_pipe_buf_is_written_alone_after_what_was_pending():
    stream = CountingStream()
    buffer = request_log.RequestLogBuffer(stream)
    buffer.write_line('short')
    buffer.write_line('y' * 5000)

    assert stream.writes == ['short\n', 'y' * 5000 + '\n']


def test_pending_lines_are_flushed_within_the_flush_interval(monkeypatch):
    monkeypatch.setattr(request_log.RequestLogBuffer, 'FLUSH_SECONDS', 0.01)
    stream = CountingStream()
    buffer = request_log.RequestLogBuffer(stream)
    buffer.write_line('waiting')
    deadline = time.time() + 5
    while not stream.writes and time.time() < deadline:
        time.sleep(0.01)
    buffer.flusher_pid = None  # stops the flusher

    assert stream.writes == ['waiting\n']
