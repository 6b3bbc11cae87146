"""Test doubles and helpers: fixed built-in substitutions, plans from YAML text, a fake executor (no Docker)."""

import os
import threading
from dataclasses import dataclass

from cloudbuild_local.plan import build_plan
from cloudbuild_local.results import CANCELLED, SUCCESS, TIMEOUT, StepOutcome
from cloudbuild_local.schema import parse_config
from cloudbuild_local.substitutions import BUILTIN_KEYS

TESTDATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "testdata")
WORKSPACE = "/src/checkout"
FIXED_BUILTINS = {
    **dict.fromkeys(BUILTIN_KEYS, ""),
    "PROJECT_ID": "local",
    "BUILD_ID": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
    "LOCATION": "local",
    "COMMIT_SHA": "1234567890abcdef1234567890abcdef12345678",
    "REVISION_ID": "1234567890abcdef1234567890abcdef12345678",
    "SHORT_SHA": "1234567",
    "REPO_NAME": "python-compat",
    "BRANCH_NAME": "main",
    "REF_NAME": "main",
}


def plan_from_yaml(text: str, overrides: dict | None = None, source: str = "test.yaml"):
    """The plan for a config given as YAML text, with fixed built-ins and a fixed workspace."""
    return build_plan(parse_config(text, source=source), FIXED_BUILTINS, overrides or {}, WORKSPACE)


@dataclass(frozen=True)
class FakeStep:
    """How the fake executor plays one step."""

    seconds: float = 0.0
    outcome: StepOutcome = StepOutcome(SUCCESS)
    output: tuple[str, ...] = ()


class FakeExecutor:
    """Plays steps from a script instead of running them; records the order steps start and end in."""

    def __init__(self, script: dict[str, FakeStep] | None = None):
        self.script = script or {}
        self.events: list[tuple[str, str]] = []
        self.built_images: set[str] = set()
        self.lock = threading.Lock()

    def run(self, step, timeout_seconds, stop, emit):
        played = self.script.get(step.key, FakeStep())
        self._event("start", step.key)
        for line in played.output:
            emit(line)
        if stop.wait(min(played.seconds, timeout_seconds)):
            outcome = StepOutcome(CANCELLED, "stopped")
        elif played.seconds > timeout_seconds:
            outcome = StepOutcome(TIMEOUT, f"killed after {timeout_seconds:g}s")
        else:
            outcome = played.outcome
        if outcome.status == SUCCESS:
            self.built_images.update(step.produces_images)
        self._event("end", step.key)
        return outcome

    def image_id(self, image):
        return f"sha256:fake-{image}" if image in self.built_images else None

    def started(self) -> list[str]:
        return [key for event, key in self.events if event == "start"]

    def _event(self, event: str, key: str) -> None:
        with self.lock:
            self.events.append((event, key))
