"""Memory a process only needed while it started, given back to the system.

Start-up leaves much garbage that Python 2 keeps: importing PyYAML alone compiles a regular expression whose
Unicode range builds a list of a million ints (34 MB, in Python 2's int free list, never returned by itself).
A full collection empties the free lists; malloc_trim then hands the free heap pages back to the kernel. Each
process calls this once, when it has imported what it serves with.
"""

import ctypes
import gc
import logging

_log = logging.getLogger(__name__)


def release_startup_garbage():
    """Collects garbage (the int and float free lists too) and returns free heap memory to the system."""
    gc.collect()
    try:
        ctypes.CDLL('libc.so.6').malloc_trim(0)
    except (OSError, AttributeError) as error:  # not glibc: the memory stays with the process
        _log.debug('malloc_trim is not available: %s', error)
