"""How much of an upload's body the API server reads, and how much all uploads may hold at once.

While the SDK parses an upload, its files are spooled to temporary files: every body byte read is disk in use
until the upload is stored or refused. Three bounds keep that finite:
- one upload's body: UPLOAD_MAX_BYTES, less when its session names max_bytes_total (413 beyond);
- one file of it: the session's max_bytes_per_blob, checked as the file is spooled (upload_form.py);
- the bodies of every upload being received at once: UPLOADS_IN_FLIGHT_MAX_BYTES (503 beyond: try again).
"""

# What a form may hold beyond its files' max_bytes_total: the other fields and the multipart framing.
FORM_OVERHEAD_BYTES = 1 << 20


class Refused(Exception):
    """The upload is answered with HTTP `status` and `text`, and nothing of it is kept."""

    status = 400

    def __init__(self, text, status=None):
        Exception.__init__(self, text)
        self.text = text
        if status is not None:
            self.status = status


class TooLarge(Refused):
    status = 413


class Busy(Refused):
    status = 503


def body_limit(max_bytes_total, upload_max_bytes):
    """The most body bytes an upload may send: UPLOAD_MAX_BYTES, or the session's max_bytes_total plus room for the
    rest of the form when that is less."""
    if max_bytes_total is None:
        return upload_max_bytes
    return min(upload_max_bytes, max_bytes_total + FORM_OVERHEAD_BYTES)


class InFlightBudget(object):
    """The body bytes all uploads being received hold together, at most `max_bytes`. The API server's greenlets
    never switch inside these methods, so they need no lock."""

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self.used = 0

    def can_hold(self, count):
        return self.used + count <= self.max_bytes

    def take(self, count):
        """Counts `count` more bytes in flight; Busy when that would exceed the budget."""
        if not self.can_hold(count):
            raise Busy('too many uploads in progress; try again shortly\n')
        self.used += count

    def give_back(self, count):
        self.used -= count


class BoundedBody(object):
    """An upload's request body as the SDK's form parser reads it: at most `limit` bytes (TooLarge when the body
    goes on), each byte taken from `budget` until close()."""

    def __init__(self, stream, limit, budget):
        self._stream = stream
        self._limit = limit
        self._budget = budget
        self.count = 0

    def read(self, size=-1):
        return self._counted(self._stream.read(self._allowed(size)))

    def readline(self, size=-1):
        return self._counted(self._stream.readline(self._allowed(size)))

    def _allowed(self, size):
        # One byte past the limit is asked for, so a body that goes on is noticed rather than cut short.
        room = self._limit - self.count + 1
        return room if size is None or size < 0 else min(size, room)

    def _counted(self, data):
        if self.count + len(data) > self._limit:
            raise TooLarge('upload too large: more than %d bytes\n' % self._limit)
        self._budget.take(len(data))
        self.count += len(data)
        return data

    def close(self):
        """Gives the bytes read back to the budget: call once the upload is stored or refused."""
        self._budget.give_back(self.count)
        self.count = 0
