"""Server hooks the runtime sets by default (an app's gunicorn.conf.py may set its own)."""


def skip_request_debug_line(worker, req):
    """The default `pre_request` hook. gunicorn's own formats a "METHOD /path" debug line on every request,
    even when debug logging is off; the runtime's request log already says it."""
