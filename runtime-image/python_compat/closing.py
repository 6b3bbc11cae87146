"""A WSGI response body that runs a callback once the server closes it (after the last byte is sent)."""


class ClosingBody(object):
    """Iterates `body`, then on close() closes it and runs `on_close` - even when the body's close fails."""

    __slots__ = ('body', 'on_close')

    def __init__(self, body, on_close):
        self.body = body
        self.on_close = on_close

    def __iter__(self):
        return iter(self.body)

    def close(self):
        close_then(self.body, self.on_close)


def close_then(body, on_close):
    """Closes a WSGI response body (when it can be closed), then runs `on_close` even if that failed."""
    try:
        if hasattr(body, 'close'):
            body.close()
    finally:
        on_close()


def known_size(body):
    """The byte count of a body that is a list of strings (most apps answer one), through ClosingBody
    wrappers; None for bodies whose size is known only once iterated (generators, files)."""
    while type(body) is ClosingBody:
        body = body.body
    if type(body) is list:
        return sum(map(len, body))
    return None
