"""Where logs go: every record to stdout in LOG_FORMAT, the root logger at LOG_LEVEL to start with.

The app's `logging` records keep their level (the root logger starts at LOG_LEVEL, DEBUG by default, and the
app may change it; the 2017 runtime forced INFO and lost DEBUG).
"""

import logging
import sys

from python_compat.logs import formatters
from python_compat.logs import request_log


def configure(log_format, level):
    """Sends every record to stdout in `log_format`. Sets the root level once; the app may change it later."""
    request_log.write_to(sys.stdout, log_format)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatters.JsonFormatter() if log_format == 'json' else formatters.TextFormatter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level))
    for name in ('gunicorn.error', 'gunicorn.access'):
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
