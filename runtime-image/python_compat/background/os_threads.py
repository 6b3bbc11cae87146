"""Real OS threads for the gunicorn master's background work (warmup, cron, the API server's supervisor).

Under gevent's monkey-patching a threading.Thread is a greenlet, and gunicorn's fork copies every greenlet
of the master into every worker: the work would run once per worker instead of once per container. A real
thread is not copied by fork.
"""

try:
    from gevent import monkey as _monkey
    _start_new_thread = _monkey.get_original('thread', 'start_new_thread')
    _allocate_lock = _monkey.get_original('thread', 'allocate_lock')
except ImportError:  # pragma: no cover - the runtime image always has gevent
    from thread import start_new_thread as _start_new_thread, allocate_lock as _allocate_lock


def start_os_thread(function, *args):
    """Runs function(*args) in a new OS thread of this process."""
    return _start_new_thread(function, args)


def allocate_os_lock():
    """A lock that blocks OS threads (gevent's patched lock would only block greenlets)."""
    return _allocate_lock()
