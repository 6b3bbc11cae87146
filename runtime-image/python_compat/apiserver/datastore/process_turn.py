"""Whose turn it is on the datastore file: one process of the container at a time, one thread of it at a time.

An exclusive flock of `PATH.lock` orders the processes; the kernel drops it with the process that held it, so a
process killed in its turn blocks nobody. It is taken without blocking: a gevent process waiting for its turn
keeps serving its other greenlets, and a process whose turn waits on another (a transactional task sent to the
API server during a commit) can always be answered. Within a process an RLock orders the threads (greenlets), and
the thread holding the turn may take it again.
"""

import contextlib
import errno
import fcntl
import os
import threading
import time

from google.appengine.datastore import datastore_pb
from google.appengine.runtime import apiproxy_errors

# How often a process waiting for its turn tries again (gevent's patched sleep yields meanwhile), and for how long
# before the call fails with the datastore's TIMEOUT error, which App Engine code retries or reports.
RETRY_SECONDS = 0.0002
MAX_WAIT_SECONDS = 30.0


class ProcessTurn(object):
    """The turn on the file at `path`."""

    def __init__(self, path):
        self.path = path + '.lock'
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._lock_file = None
        self._inherited = None
        self._pid = None

    @contextlib.contextmanager
    def held(self):
        """Holds the turn for the block; yields True when this entry took it, False when it was held already."""
        with self._thread_lock:
            taken = self._depth == 0
            if taken:
                self._take()
            self._depth += 1
            try:
                yield taken
            finally:
                self._depth -= 1
                if taken:
                    fcntl.flock(self._lock_file, fcntl.LOCK_UN)

    def _take(self):
        if self._pid != os.getpid():
            # A forked process opens its own file: a flock belongs to the open file, which a fork shares. (The
            # inherited one stays open: closing it here would not free the parent's flock, and needs not.)
            self._inherited = self._lock_file
            self._lock_file = open(self.path, 'a')
            self._pid = os.getpid()
        give_up = time.time() + MAX_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except IOError as error:
                if error.errno not in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES):
                    raise
            if time.time() > give_up:
                raise apiproxy_errors.ApplicationError(
                    datastore_pb.Error.TIMEOUT, 'another process held the datastore for %d s' % MAX_WAIT_SECONDS)
            time.sleep(RETRY_SECONDS)
