"""The trace of the request being served (`X-Cloud-Trace-Context`), carried by every log line it writes."""

import threading

TRACE_KEY = 'logging.googleapis.com/trace'
SPAN_KEY = 'logging.googleapis.com/spanId'
SAMPLED_KEY = 'logging.googleapis.com/trace_sampled'

# Made by the first request: threading.local then, which in a process gevent has patched is a greenlet local
# (every process that serves requests patches before it serves). Not at import: the supervisor logs too, and
# importing gevent there only for this would slow every container's start.
_request = None


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
        global _request  # pylint: disable=global-statement
        if _request is None:
            _request = threading.local()
        _request.fields = trace_fields

    @staticmethod
    def end():
        if _request is not None:
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


def begin_trace(project, environ):
    """The trace fields of a request's `X-Cloud-Trace-Context` (None without one), which every log line the
    request writes carries until write_request_log."""
    header = environ.get('HTTP_X_CLOUD_TRACE_CONTEXT')
    # Most requests carry no trace: they leave the context alone (the last one with a trace cleared it).
    fields = trace_fields(project, header) if header else None
    if fields:
        RequestLogContext.begin(fields)
    return fields
