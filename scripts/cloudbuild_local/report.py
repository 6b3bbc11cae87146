"""What a run prints: live progress lines with step id and elapsed time, then a summary table."""

import threading
import time
from collections.abc import Callable
from typing import TextIO

from .plan import PlannedStep
from .results import BuildResult, StepResult


class ProgressReporter:
    """Writes one line per event; steps run in threads, so every write holds a lock and flushes."""

    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.monotonic):
        self.stream = stream
        self.clock = clock
        self.started_at = clock()
        self.lock = threading.Lock()

    def step_started(self, step: PlannedStep) -> None:
        self._line(f"{step.key}: started ({step.command.runs_in})")

    def step_output(self, step: PlannedStep, text: str) -> None:
        self._line(f"{step.key} | {text}")

    def step_finished(self, result: StepResult) -> None:
        took = f" after {format_duration(result.duration_seconds)}" if result.duration_seconds is not None else ""
        detail = f": {result.detail}" if result.detail else ""
        self._line(f"{result.key}: {result.status}{took}{detail}")

    def still_running(self, elapsed_by_key: dict[str, float]) -> None:
        running = ", ".join(f"{key} ({format_duration(elapsed)})" for key, elapsed in elapsed_by_key.items())
        self._line(f"running: {running}")

    def build_finished(self, result: BuildResult) -> None:
        with self.lock:
            self.stream.write(format_summary(result))
            self.stream.flush()

    def _line(self, text: str) -> None:
        with self.lock:
            self.stream.write(f"[{format_duration(self.clock() - self.started_at):>8}] {text}\n")
            self.stream.flush()


def format_summary(result: BuildResult) -> str:
    """Every step's status and duration, the images the build leaves, and the build's own status."""
    width = max([len("STEP")] + [len(step.key) for step in result.steps])
    lines = ["", f"{'STEP':<{width}}  {'STATUS':<9}  {'DURATION':>8}  DETAIL"]
    for step in result.steps:
        duration = format_duration(step.duration_seconds) if step.duration_seconds is not None else "-"
        lines.append(f"{step.key:<{width}}  {step.status:<9}  {duration:>8}  {step.detail}".rstrip())
    if result.images:
        lines.append("IMAGES")
        lines += [f"  {name}  {image_id}" for name, image_id in result.images]
    detail = f": {result.detail}" if result.detail else ""
    lines.append(f"BUILD {result.status} after {format_duration(result.duration_seconds)}{detail}")
    return "\n".join(lines) + "\n"


def format_duration(seconds: float) -> str:
    """12.3s below a minute, 4m05s above: short enough for a progress line, exact enough to compare steps."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, whole_seconds = divmod(int(seconds), 60)
    return f"{minutes}m{whole_seconds:02d}s"
