"""Running a plan: concurrency, ordering, cancellation, per-step and whole-build timeouts, images."""

import io
import re

from cloudbuild_local.report import ProgressReporter
from cloudbuild_local.results import CANCELLED, FAILURE, SUCCESS, TIMEOUT, StepOutcome
from cloudbuild_local.scheduler import Scheduler

from .fakes import FakeExecutor, FakeStep, plan_from_yaml

FAILED = FakeStep(outcome=StepOutcome(FAILURE, "exit status 1"))


def run(config_text: str, script: dict | None = None):
    executor = FakeExecutor(script)
    output = io.StringIO()
    result = Scheduler(executor, ProgressReporter(output)).run(plan_from_yaml(config_text))
    return result, executor, output.getvalue()


def statuses(result) -> dict[str, str]:
    return {step.key: step.status for step in result.steps}


def test_steps_that_wait_for_nothing_run_concurrently():
    config = "steps: [{id: a, name: bash, waitFor: ['-']}, {id: b, name: bash, waitFor: ['-']}, " \
             "{id: c, name: bash, waitFor: ['-']}]"
    result, executor, _ = run(config, {key: FakeStep(seconds=0.2) for key in "abc"})
    assert [event for event, _ in executor.events] == ["start"] * 3 + ["end"] * 3
    assert result.status == SUCCESS
    assert result.duration_seconds < 0.5


def test_step_starts_only_after_every_step_it_waits_for():
    config = "steps: [{id: slow, name: bash, waitFor: ['-']}, {id: fast, name: bash, waitFor: ['-']}, " \
             "{id: join, name: bash, waitFor: [slow, fast]}]"
    _, executor, _ = run(config, {"slow": FakeStep(seconds=0.15)})
    assert executor.events.index(("start", "join")) > executor.events.index(("end", "slow"))


def test_steps_without_wait_for_run_one_after_another():
    _, executor, _ = run("steps: [{id: a, name: bash}, {id: b, name: bash}, {id: c, name: bash}]")
    assert executor.events == [("start", "a"), ("end", "a"), ("start", "b"), ("end", "b"), ("start", "c"),
                               ("end", "c")]


def test_failed_step_cancels_the_steps_waiting_on_it_directly_and_through_others():
    config = """
steps:
- {id: base, name: bash, waitFor: ['-']}
- {id: runtime, name: bash, waitFor: [base]}
- {id: tests, name: bash, waitFor: [runtime]}
- {id: wheels, name: bash, waitFor: ['-']}
"""
    result, executor, _ = run(config, {"base": FAILED, "wheels": FakeStep(seconds=0.1)})
    assert statuses(result) == {"base": FAILURE, "runtime": CANCELLED, "tests": CANCELLED, "wheels": SUCCESS}
    assert executor.started() == ["base", "wheels"]
    assert result.status == FAILURE
    details = {step.key: step.detail for step in result.steps}
    assert details["runtime"] == "waits on base (FAILURE)"
    assert details["tests"] == "waits on runtime (CANCELLED)"


def test_cancelled_steps_have_no_duration():
    result, _, _ = run("steps: [{id: a, name: bash}, {id: b, name: bash}]", {"a": FAILED})
    assert result.steps[1].duration_seconds is None


def test_step_timeout_kills_the_step_and_cancels_its_dependents():
    config = "steps: [{id: hang, name: bash, timeout: 0.1s}, {id: after, name: bash}]"
    result, _, _ = run(config, {"hang": FakeStep(seconds=5)})
    assert statuses(result) == {"hang": TIMEOUT, "after": CANCELLED}
    assert result.steps[0].detail == "step timeout 0.1s reached"
    assert result.status == FAILURE
    assert result.duration_seconds < 1


def test_build_timeout_kills_running_steps_and_cancels_waiting_ones():
    config = "timeout: 0.2s\nsteps: [{id: hang, name: bash, timeout: 60s}, {id: after, name: bash}]"
    result, _, _ = run(config, {"hang": FakeStep(seconds=5)})
    assert statuses(result) == {"hang": TIMEOUT, "after": CANCELLED}
    assert result.steps[0].detail == "build timeout 0.2s reached"
    assert result.status == TIMEOUT
    assert result.duration_seconds < 1


def test_build_timeout_cancels_steps_not_yet_started_even_without_failures():
    config = "timeout: 0.3s\nsteps: [{id: a, name: bash}, {id: b, name: bash}, {id: c, name: bash}]"
    result, executor, _ = run(config, {"a": FakeStep(seconds=0.2), "b": FakeStep(seconds=0.2)})
    assert statuses(result) == {"a": SUCCESS, "b": TIMEOUT, "c": CANCELLED}
    assert result.status == TIMEOUT
    assert "c" not in executor.started()


def test_successful_build_reports_the_ids_of_its_images():
    config = "steps: [{name: gcr.io/cloud-builders/docker, args: [build, -t, app:1, .]}]\nimages: ['app:1']"
    result, _, _ = run(config)
    assert result.status == SUCCESS
    assert result.images == (("app:1", "sha256:fake-app:1"),)


def test_image_listed_but_never_built_fails_the_build():
    result, _, _ = run("steps: [{name: bash}]\nimages: ['app:1']")
    assert result.status == FAILURE
    assert result.detail == "images: app:1 was not built by any step"


def test_progress_names_each_step_with_elapsed_time_and_its_output():
    _, _, output = run("steps: [{id: hello, name: bash}]", {"hello": FakeStep(output=("hi there",))})
    lines = output.splitlines()
    assert re.fullmatch(r"\[ +\d+\.\ds\] hello: started \(host\)", lines[0])
    assert re.fullmatch(r"\[ +\d+\.\ds\] hello \| hi there", lines[1])
    assert re.fullmatch(r"\[ +\d+\.\ds\] hello: SUCCESS after \d+\.\ds", lines[2])


def test_run_ends_with_the_summary_table():
    _, _, output = run("steps: [{id: a, name: bash}, {id: b, name: bash}]", {"a": FAILED})
    summary = output[output.index("STEP"):].splitlines()
    assert summary[0].split() == ["STEP", "STATUS", "DURATION", "DETAIL"]
    assert summary[1].split()[:2] == ["a", "FAILURE"]
    assert summary[2].split() == ["b", "CANCELLED", "-", "waits", "on", "a", "(FAILURE)"]
    assert summary[3].startswith("BUILD FAILURE after ")


def test_heartbeat_lists_the_steps_still_running():
    executor = FakeExecutor({"slow": FakeStep(seconds=0.25)})
    output = io.StringIO()
    Scheduler(executor, ProgressReporter(output), heartbeat_seconds=0.1).run(
        plan_from_yaml("steps: [{id: slow, name: bash}]"))
    assert re.search(r"\] running: slow \(0\.\ds\)", output.getvalue())
