"""os_threads: background work of the master runs in real OS threads, even after gevent's patching."""

import thread
import time

from gevent import monkey

from python_compat.background import os_threads


def test_start_os_thread_runs_the_function_with_its_arguments():
    done = os_threads.allocate_os_lock()
    done.acquire()
    seen = []

    def work(a, b):
        seen.append((a, b, thread.get_ident()))
        done.release()

    os_threads.start_os_thread(work, 1, 'two')
    assert done.acquire(True)
    assert seen[0][:2] == (1, 'two')
    assert seen[0][2] != thread.get_ident()


def test_the_thread_starter_is_the_original_one_not_gevents():
    assert os_threads._start_new_thread is monkey.get_original('thread', 'start_new_thread')
    assert os_threads._allocate_lock is monkey.get_original('thread', 'allocate_lock')
