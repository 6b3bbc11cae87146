"""Runs a build plan: every step whose dependencies succeeded starts at once, in its own thread.

A step that fails or times out cancels the steps still waiting on it (directly or through others); steps that do
not depend on it run to the end, so one run reports as much as it can. When the build timeout passes, running
steps are killed and waiting ones cancelled. The images listed under `images:` must exist afterwards, since Cloud
Build would push them.
"""

import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Protocol

from .plan import BuildPlan, PlannedStep
from .report import ProgressReporter
from .results import CANCELLED, FAILURE, SUCCESS, TIMEOUT, BuildResult, StepOutcome, StepResult

INTERRUPTED = "interrupted"


class StepExecutor(Protocol):
    def run(self, step: PlannedStep, timeout_seconds: float, stop: threading.Event,
            emit: Callable[[str], None]) -> StepOutcome: ...

    def image_id(self, image: str) -> str | None: ...


class Scheduler:
    def __init__(self, executor: StepExecutor, reporter: ProgressReporter,
                 clock: Callable[[], float] = time.monotonic, heartbeat_seconds: float = 30.0):
        self.executor = executor
        self.reporter = reporter
        self.clock = clock
        self.heartbeat_seconds = heartbeat_seconds

    def run(self, plan: BuildPlan) -> BuildResult:
        """Runs every step it can and returns the build's result; Ctrl-C stops running steps and cancels the rest."""
        run = _Run(plan, self, self.clock())
        with ThreadPoolExecutor(max_workers=len(plan.steps)) as pool:
            while run.pending or run.running:
                try:
                    run.advance(pool)
                except KeyboardInterrupt:
                    run.interrupt()
        result = run.result(self.clock())
        self.reporter.build_finished(result)
        return result


@dataclass(frozen=True)
class _RunningStep:
    step: PlannedStep
    started_at: float
    limited_by_build_timeout: bool  # its kill time is the build's deadline, not its own timeout


class _Run:
    """The state of one build while it runs."""

    def __init__(self, plan: BuildPlan, scheduler: Scheduler, started_at: float):
        self.plan = plan
        self.scheduler = scheduler
        self.started_at = started_at
        self.deadline = started_at + plan.timeout_seconds
        self.pending = {step.key: step for step in plan.steps}
        self.running: dict[Future, _RunningStep] = {}
        self.results: dict[str, StepResult] = {}
        self.stop = threading.Event()
        self.stopped_because = ""
        self.last_heartbeat = started_at

    def advance(self, pool: ThreadPoolExecutor) -> None:
        """Settles waiting steps, starts the ready ones, then waits for one to finish (or for the next heartbeat)."""
        now = self.scheduler.clock()
        if now >= self.deadline and not self.stopped_because:
            self.stopped_because = self._build_timeout_reached()
        self._cancel_blocked_steps()
        if not self.stopped_because:
            for step in [step for step in self.pending.values() if self._is_ready(step)]:
                self._start(step, pool, now)
        if not self.running:
            return
        # Past the deadline the running steps are being killed by their executors: wait for them, do not spin.
        until_deadline = self.deadline - now if now < self.deadline else math.inf
        wake_in = max(0.0, min(until_deadline, self.last_heartbeat + self.scheduler.heartbeat_seconds - now))
        done, _ = wait(self.running, timeout=wake_in, return_when=FIRST_COMPLETED)
        for future in done:
            self._finish(future)
        self._heartbeat()

    def interrupt(self) -> None:
        self.stopped_because = INTERRUPTED
        self.stop.set()

    def result(self, finished_at: float) -> BuildResult:
        # A step can lack a result only when Ctrl-C arrived while its result was being recorded.
        steps = tuple(self.results.get(step.key, StepResult(step.key, CANCELLED, None, INTERRUPTED))
                      for step in self.plan.steps)
        duration = finished_at - self.started_at
        if self.stopped_because == INTERRUPTED:
            return BuildResult(CANCELLED, duration, steps, detail=INTERRUPTED)
        if self.stopped_because:
            return BuildResult(TIMEOUT, duration, steps, detail=self.stopped_because)
        if any(step.status != SUCCESS for step in steps):
            return BuildResult(FAILURE, duration, steps)
        images = tuple((image, self.scheduler.executor.image_id(image)) for image in self.plan.images)
        missing = [image for image, image_id in images if image_id is None]
        if missing:
            return BuildResult(FAILURE, duration, steps, detail=f"images: {missing[0]} was not built by any step")
        return BuildResult(SUCCESS, duration, steps, images)

    def _is_ready(self, step: PlannedStep) -> bool:
        return all(key in self.results and self.results[key].status == SUCCESS for key in step.waits_on)

    def _cancel_blocked_steps(self) -> None:
        """Cancels waiting steps that can no longer run; repeats so the cancellation reaches their dependents."""
        cancelled_one = True
        while cancelled_one:
            cancelled_one = False
            for step in list(self.pending.values()):
                reason = self.stopped_because or self._failed_dependency(step)
                if reason:
                    self._record(StepResult(step.key, CANCELLED, None, reason))
                    del self.pending[step.key]
                    cancelled_one = True

    def _failed_dependency(self, step: PlannedStep) -> str:
        for key in step.waits_on:
            result = self.results.get(key)
            if result is not None and result.status != SUCCESS:
                return f"waits on {key} ({result.status})"
        return ""

    def _start(self, step: PlannedStep, pool: ThreadPoolExecutor, now: float) -> None:
        del self.pending[step.key]
        remaining = self.deadline - now
        limited_by_build_timeout = step.timeout_seconds is None or remaining <= step.timeout_seconds
        timeout = remaining if limited_by_build_timeout else step.timeout_seconds
        self.scheduler.reporter.step_started(step)
        future = pool.submit(self.scheduler.executor.run, step, timeout, self.stop,
                             lambda text: self.scheduler.reporter.step_output(step, text))
        self.running[future] = _RunningStep(step, now, limited_by_build_timeout)

    def _finish(self, future: Future) -> None:
        running = self.running.pop(future)
        outcome = future.result()
        if outcome.status == TIMEOUT and running.limited_by_build_timeout:
            self.stopped_because = self._build_timeout_reached()
            outcome = StepOutcome(TIMEOUT, self.stopped_because)
        elif outcome.status == TIMEOUT:
            outcome = StepOutcome(TIMEOUT, f"step timeout {running.step.timeout_seconds:g}s reached")
        duration = self.scheduler.clock() - running.started_at
        self._record(StepResult(running.step.key, outcome.status, duration, outcome.detail))

    def _record(self, result: StepResult) -> None:
        self.results[result.key] = result
        self.scheduler.reporter.step_finished(result)

    def _heartbeat(self) -> None:
        now = self.scheduler.clock()
        if self.running and now - self.last_heartbeat >= self.scheduler.heartbeat_seconds:
            self.scheduler.reporter.still_running(
                {running.step.key: now - running.started_at for running in self.running.values()})
            self.last_heartbeat = now

    def _build_timeout_reached(self) -> str:
        return f"build timeout {self.plan.timeout_seconds:g}s reached"
