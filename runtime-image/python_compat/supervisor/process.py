"""This process's protection from the app's user: the runtime's processes run as the same uid as the app, so a
process holding a secret makes itself non-dumpable. The kernel then gives its /proc files (environ, mem, maps)
to root and refuses ptrace from the app's processes."""

import ctypes
import logging

_PR_SET_DUMPABLE = 4
_log = logging.getLogger(__name__)


def make_non_dumpable():
    """True when the kernel accepted; a process that cannot (no prctl) logs why and goes on."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0) == 0:
            return True
        _log.warning('prctl(PR_SET_DUMPABLE, 0) failed with errno %d: this process is readable by its uid',
                     ctypes.get_errno())
    except (OSError, AttributeError) as error:
        _log.warning('cannot make this process non-dumpable: %s', error)
    return False
