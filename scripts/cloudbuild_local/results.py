"""What running a step or a build came to, in Cloud Build's status names."""

from dataclasses import dataclass

SUCCESS = "SUCCESS"
FAILURE = "FAILURE"
TIMEOUT = "TIMEOUT"
CANCELLED = "CANCELLED"


@dataclass(frozen=True)
class StepOutcome:
    """What an executor reports for one step it ran."""

    status: str
    detail: str = ""


@dataclass(frozen=True)
class StepResult:
    key: str
    status: str
    duration_seconds: float | None  # None: the step never started
    detail: str = ""


@dataclass(frozen=True)
class BuildResult:
    status: str
    duration_seconds: float
    steps: tuple[StepResult, ...]  # in the config's order
    images: tuple[tuple[str, str], ...] = ()  # (name, image id) of each image listed under `images:`
    detail: str = ""
