"""Remembers the signatures the API server has accepted, for as long as they could be replayed."""


class ReplayGuard(object):
    """Accepts each (timestamp, nonce) once. A signature older than `window_seconds` is refused on its age, so one
    is forgotten once its timestamp has left the window: memory holds the nonces of the last 2-3 windows."""

    def __init__(self, window_seconds):
        self._window = int(window_seconds)
        # Bucket (timestamp // window) -> the nonces seen in it. A nonce is random (96 bits): its timestamp need not
        # be kept with it.
        self._buckets = {}

    def first_time(self, timestamp, nonce, now):
        """True the first time this signature is seen, False on every later call."""
        bucket = timestamp // self._window
        seen = self._buckets.get(bucket)
        if seen is None:
            self._forget_before(int(now) - self._window)
            seen = self._buckets[bucket] = set()
        if nonce in seen:
            return False
        seen.add(nonce)
        return True

    def _forget_before(self, oldest_timestamp):
        for bucket in [bucket for bucket in self._buckets if (bucket + 1) * self._window <= oldest_timestamp]:
            del self._buckets[bucket]

    def __len__(self):
        return sum(len(seen) for seen in self._buckets.values())
