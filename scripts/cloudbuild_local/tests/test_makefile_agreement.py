"""The project's cloudbuild.yaml and Makefile describe one pipeline: each cloudbuild step has a Makefile target of
the same name that runs the same command with the same arguments, after the same steps.

The Makefile's commands come from `make --dry-run` with fixed image names, so its variables are expanded by make
itself; a target's own recipe is isolated by naming every other target with `--old-file`.
"""

import functools
import os
import re
import shlex
import subprocess

import pytest

from .fakes import FIXED_BUILTINS, plan_from_yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
NAMESPACE, TAG, CREATED = "registry.test/ns", "t1", "2001-02-03T04:05:06Z"
SUBSTITUTIONS = {"_DOCKER_NAMESPACE": NAMESPACE, "_TAG": TAG, "_CREATED": CREATED}
MAKE_VARIABLES = [f"DOCKER_NAMESPACE={NAMESPACE}", f"TAG={TAG}", f"CREATED={CREATED}",
                  f"REVISION={FIXED_BUILTINS['COMMIT_SHA']}", "PYTEST_ARGS="]
# A rule line `target: prerequisites [## help]`; variable assignments (`X := y`) are not rules.
RULE = re.compile(r"^([a-z][a-z0-9-]*)[ \t]*:(?![:=])([^#\n]*)", re.MULTILINE)
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def read(path: str) -> str:
    with open(path, encoding="utf-8") as file:
        return file.read()


@functools.cache
def cloudbuild_plan():
    return plan_from_yaml(read(os.path.join(REPO_ROOT, "cloudbuild.yaml")), overrides=SUBSTITUTIONS,
                          source="cloudbuild.yaml")


@functools.cache
def makefile_prerequisites() -> dict[str, tuple[str, ...]]:
    """Every Makefile target and its direct prerequisites, as written."""
    return {target: tuple(prerequisites.split())
            for target, prerequisites in RULE.findall(read(os.path.join(REPO_ROOT, "Makefile")))}


def step_ids() -> list[str]:
    return [step.key for step in cloudbuild_plan().steps]


def cloudbuild_command(step) -> list[str]:
    """The command a step runs; `bash SCRIPT ARGS` (a script run by a builder's shell) counts as `SCRIPT ARGS`."""
    argv = list(step.command.argv)
    if argv[0] in ("bash", "sh") and len(argv) > 1 and not argv[1].startswith("-"):
        return argv[1:]
    return argv


def makefile_command(target: str) -> list[str]:
    """The one command `make TARGET` runs itself: after `if-changed.sh ... --` when it is wrapped in that, and
    without leading NAME=value assignments (which host copy of a tool runs is the Makefile's business)."""
    others = [f"--old-file={other}" for other in makefile_prerequisites() if other != target]
    completed = subprocess.run(["make", "--no-print-directory", "--dry-run", "--always-make", *others, target,
                                *MAKE_VARIABLES], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    commands = [line for line in completed.stdout.replace("\\\n", " ").splitlines() if line.strip()]
    assert len(commands) == 1, f"make {target} runs {len(commands)} commands, expected one: {commands}"
    argv = shlex.split(commands[0])
    if argv[0] == "scripts/if-changed.sh":
        argv = argv[argv.index("--") + 1:]
    while argv and ASSIGNMENT.match(argv[0]):
        argv = argv[1:]
    return argv


def closure(start: str, edges: dict[str, tuple[str, ...]]) -> set[str]:
    """Everything `start` waits for, directly or through other nodes."""
    seen: set[str] = set()
    pending = list(edges.get(start, ()))
    while pending:
        node = pending.pop()
        if node not in seen:
            seen.add(node)
            pending.extend(edges.get(node, ()))
    return seen


def test_every_cloudbuild_step_is_a_makefile_target():
    missing = [key for key in step_ids() if key not in makefile_prerequisites()]
    assert not missing, f"cloudbuild.yaml steps without a Makefile target of the same name: {missing}"


@pytest.mark.parametrize("step", cloudbuild_plan().steps, ids=lambda step: step.key)
def test_makefile_target_runs_the_same_command_as_the_cloudbuild_step(step):
    assert makefile_command(step.key) == cloudbuild_command(step), f"make {step.key} and its cloudbuild.yaml step"


@pytest.mark.parametrize("step", cloudbuild_plan().steps, ids=lambda step: step.key)
def test_makefile_target_runs_after_the_same_steps_as_the_cloudbuild_step(step):
    steps = set(step_ids())
    cloudbuild_waits = {planned.key: planned.waits_on for planned in cloudbuild_plan().steps}

    after_in_makefile = closure(step.key, makefile_prerequisites()) & steps
    after_in_cloudbuild = closure(step.key, cloudbuild_waits)

    assert after_in_makefile == after_in_cloudbuild, f"steps before {step.key}: Makefile, then cloudbuild.yaml"


def test_make_test_runs_every_step_of_the_release_pipeline():
    assert set(step_ids()) <= closure("test", makefile_prerequisites())
