"""The supervisor's watch of the API server: restarted when it exits, `failed` in the status file (liveness fails)
once restarts in a row never got it answering, `up` again as soon as it answers."""

import pytest

from python_compat.supervisor import main
from python_compat.wire import container_status


class FakeChild(object):
    def __init__(self):
        self.starts = 0
        self.running = False
        self.ran = 1.0

    def start(self):
        self.starts += 1
        self.running = True

    def ran_seconds(self, now=None):
        return self.ran

    def signal(self, signum):
        self.running = False


@pytest.fixture
def watch(tmpdir, monkeypatch):
    answering = []
    monkeypatch.setattr(main, 'answers', lambda port: bool(answering))
    status = container_status.StatusFile(str(tmpdir.join('status')), api_server=container_status.STARTING)
    watched = main.ApiServerWatch(FakeChild(), 10001, status)
    watched.answering = answering
    watched.start()
    return watched


def exits(watch, now):
    watch.child.running = False
    watch.exited(137, now)


def test_answering_makes_it_up(watch):
    watch.answering.append(True)
    watch.tick(100.0, stopping=False)

    assert watch.status.values['api_server'] == container_status.UP


def test_an_exit_restarts_it_after_the_backoff(watch):
    exits(watch, 100.0)
    assert watch.status.values['api_server'] == container_status.RESTARTING

    watch.tick(100.1, stopping=False)
    starts_before_backoff = watch.child.starts
    watch.tick(100.6, stopping=False)

    assert (starts_before_backoff, watch.child.starts) == (1, 2)


def test_it_is_failed_after_restarts_in_a_row_that_never_answered_and_up_once_it_answers(watch):
    now = 100.0
    for _ in range(main.RESTARTS_BEFORE_FAILED + 1):
        exits(watch, now)
        now = watch.restart_at
        watch.tick(now, stopping=False)
    assert watch.status.values['api_server'] == container_status.FAILED

    watch.answering.append(True)
    watch.tick(now + 1, stopping=False)

    assert watch.status.values['api_server'] == container_status.UP


def test_nothing_is_restarted_while_the_container_stops(watch):
    exits(watch, 100.0)
    watch.tick(200.0, stopping=True)

    assert watch.child.starts == 1


def test_a_server_that_stops_answering_is_killed(watch):
    watch.answering.append(True)
    watch.tick(100.0, stopping=False)
    watch.answering.pop()
    now = 100.0
    for _ in range(main.UNANSWERED_PROBES_BEFORE_RESTART):
        now += main.RUNNING_PROBE_SECONDS
        watch.tick(now, stopping=False)

    assert watch.child.running is False


def unstarted_watch(tmpdir):
    status = container_status.StatusFile(str(tmpdir.join('status')), api_server=container_status.STARTING)
    watched = main.ApiServerWatch(FakeChild(), 10001, status)
    watched.start_when_asked(latest=105.0)
    return watched


def test_it_starts_when_the_app_asks_and_not_before(tmpdir):
    watched = unstarted_watch(tmpdir)

    watched.tick(100.0, stopping=False)
    assert watched.child.starts == 0
    watched.asked = True
    watched.tick(100.1, stopping=False)
    assert watched.child.starts == 1


def test_it_starts_at_the_latest_time_when_nobody_asks_but_not_while_the_container_stops(tmpdir):
    watched = unstarted_watch(tmpdir)

    watched.tick(106.0, stopping=True)
    assert watched.child.starts == 0
    watched.tick(106.0, stopping=False)
    assert watched.child.starts == 1
