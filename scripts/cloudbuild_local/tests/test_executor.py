"""The real executor with host processes only (no Docker): status, output, environment, timeouts, stopping."""

import threading
import time

from cloudbuild_local.builders import Command
from cloudbuild_local.executor import ProcessExecutor
from cloudbuild_local.plan import PlannedStep
from cloudbuild_local.results import CANCELLED, FAILURE, SUCCESS, TIMEOUT


def step_running(*argv: str, cwd: str = "/", env: tuple[str, ...] = ()) -> PlannedStep:
    return PlannedStep(key="s", label="steps[0]", waits_on=(), command=Command(argv=argv, cwd=cwd, env=env),
                       timeout_seconds=None, produces_images=())


def run(step: PlannedStep, timeout_seconds: float = 10, stop: threading.Event | None = None):
    lines = []
    executor = ProcessExecutor(kill_grace_seconds=1)
    outcome = executor.run(step, timeout_seconds, stop or threading.Event(), lines.append)
    return outcome, lines


def test_exit_status_zero_is_success_and_output_arrives_line_by_line():
    outcome, lines = run(step_running("sh", "-c", "echo one; echo two >&2"))
    assert outcome.status == SUCCESS
    assert lines == ["one", "two"]


def test_non_zero_exit_status_is_a_failure_that_names_it():
    outcome, _ = run(step_running("sh", "-c", "exit 3"))
    assert (outcome.status, outcome.detail) == (FAILURE, "exit status 3")


def test_step_runs_in_its_directory_with_its_env_added_to_the_host_env(tmp_path):
    outcome, lines = run(step_running("sh", "-c", 'pwd; echo "$STEP_VALUE"; test -n "$PATH"',
                                      cwd=str(tmp_path), env=("STEP_VALUE=a=b",)))
    assert outcome.status == SUCCESS
    assert lines == [str(tmp_path), "a=b"]


def test_missing_host_program_is_a_failure_naming_it():
    outcome, _ = run(step_running("no-such-program-for-cloudbuild-local"))
    assert outcome.status == FAILURE
    assert outcome.detail == "host program 'no-such-program-for-cloudbuild-local' not found on PATH"


def test_missing_directory_is_a_failure_naming_it(tmp_path):
    outcome, _ = run(step_running("true", cwd=str(tmp_path / "absent")))
    assert (outcome.status, outcome.detail) == (FAILURE, f"directory {tmp_path}/absent does not exist")


def test_timeout_kills_the_whole_process_tree(tmp_path):
    marker = tmp_path / "survived"
    started = time.monotonic()
    outcome, _ = run(step_running("sh", "-c", f"(sleep 1; touch {marker}) & sleep 30"), timeout_seconds=0.2)
    assert (outcome.status, outcome.detail) == (TIMEOUT, "killed after 0.2s")
    assert time.monotonic() - started < 2
    time.sleep(1.2)
    assert not marker.exists()


def test_stop_event_cancels_a_running_step():
    stop = threading.Event()
    threading.Timer(0.1, stop.set).start()
    outcome, _ = run(step_running("sleep", "30"), stop=stop)
    assert outcome.status == CANCELLED
