"""Log records as App Engine Flexible and Cloud Run ingest them: one JSON object per line (or plain text lines
for local runs), with the request's trace and the source location."""

import json
import logging
import time

from python_compat.logs import trace

SOURCE_KEY = 'logging.googleapis.com/sourceLocation'


_second_cache = [None, '']


def timestamp(created):
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
            'timestamp': timestamp(record.created),
            'logger': record.name,
            SOURCE_KEY: {'file': record.pathname, 'line': record.lineno, 'function': record.funcName},
        }
        entry.update(trace.RequestLogContext.current())
        entry.update(getattr(record, 'structured', None) or {})
        return json.dumps(entry, default=repr)


class TextFormatter(logging.Formatter):
    def __init__(self):
        logging.Formatter.__init__(self, '%(asctime)s %(levelname)s %(name)s: %(message)s')
