"""The command line: --dry-run prints the plan and runs nothing; a run's exit status follows the build's."""

import io

from cloudbuild_local.cli import EXIT_BUILD_FAILED, main
from cloudbuild_local.results import FAILURE, StepOutcome

from .fakes import FakeExecutor, FakeStep

CONFIG = """
substitutions: {_TAG: v1}
steps:
- {id: build, name: gcr.io/cloud-builders/docker, args: [build, --tag, 'app:$_TAG', .]}
- {id: test, name: 'app:$_TAG', args: [check]}
images: ['app:$_TAG']
"""


def run_cli(tmp_path, executor, *flags):
    (tmp_path / "cloudbuild.yaml").write_text(CONFIG)
    stdout, stderr = io.StringIO(), io.StringIO()
    status = main(["--config", str(tmp_path / "cloudbuild.yaml"), *flags, str(tmp_path)], executor, stdout, stderr)
    return status, stdout.getvalue(), stderr.getvalue()


def test_dry_run_prints_the_resolved_plan_and_runs_nothing(tmp_path):
    executor = FakeExecutor()
    status, stdout, stderr = run_cli(tmp_path, executor, "--dry-run", "--substitutions", "_TAG=v2")
    assert status == 0 and stderr == ""
    assert "  _TAG=v2\n" in stdout
    assert "    command:  docker build --tag app:v2 .\n" in stdout
    assert "    runs in:  container of app:v2\n" in stdout
    assert executor.events == []


def test_successful_build_exits_zero_after_the_summary(tmp_path):
    status, stdout, _ = run_cli(tmp_path, FakeExecutor())
    assert status == 0
    assert stdout.endswith("IMAGES\n  app:v1  sha256:fake-app:v1\n" + stdout.splitlines()[-1] + "\n")
    assert stdout.splitlines()[-1].startswith("BUILD SUCCESS after ")


def test_failed_step_makes_the_exit_status_non_zero(tmp_path):
    executor = FakeExecutor({"test": FakeStep(outcome=StepOutcome(FAILURE, "exit status 1"))})
    status, stdout, _ = run_cli(tmp_path, executor)
    assert status == EXIT_BUILD_FAILED
    assert stdout.splitlines()[-1].startswith("BUILD FAILURE after ")
