"""Memory a process only needed while it started, given back to the system.

Start-up frees much memory that the C allocator keeps for the process: malloc_trim hands free heap pages back to
the kernel. The gunicorn master also collects its garbage first, before it forks: what a worker would otherwise
collect itself, writing to pages it shares with the master, which then become its own copies (PSS by role in
`make bench`). Each process calls one of these once, when it has imported what it serves with.
"""

import ctypes
import gc
import logging

_log = logging.getLogger(__name__)


def release_free_heap():
    """Returns the free heap memory to the system."""
    try:
        ctypes.CDLL('libc.so.6').malloc_trim(0)
    except (OSError, AttributeError) as error:  # not glibc: the memory stays with the process
        _log.debug('malloc_trim is not available: %s', error)


def release_startup_garbage():
    """Collects garbage (a full collection, which also empties the int and float free lists), then
    release_free_heap(): for a process about to fork."""
    gc.collect()
    release_free_heap()
