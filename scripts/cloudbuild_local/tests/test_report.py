"""The summary table and the duration format."""

from cloudbuild_local.report import format_duration, format_summary
from cloudbuild_local.results import CANCELLED, FAILURE, SUCCESS, BuildResult, StepResult


def test_summary_lists_every_step_with_status_duration_and_detail():
    result = BuildResult(FAILURE, 75.2, (
        StepResult("rootfs", SUCCESS, 27.84),
        StepResult("base", FAILURE, 3.1, "exit status 1"),
        StepResult("runtime-image", CANCELLED, None, "waits on base (FAILURE)"),
    ))
    assert format_summary(result) == (
        "\n"
        "STEP           STATUS     DURATION  DETAIL\n"
        "rootfs         SUCCESS       27.8s\n"
        "base           FAILURE        3.1s  exit status 1\n"
        "runtime-image  CANCELLED         -  waits on base (FAILURE)\n"
        "BUILD FAILURE after 1m15s\n"
    )


def test_summary_of_a_successful_build_lists_its_images():
    result = BuildResult(SUCCESS, 1.0, (StepResult("a", SUCCESS, 1.0),), (("app:1", "sha256:abc"),))
    assert format_summary(result).endswith("IMAGES\n  app:1  sha256:abc\nBUILD SUCCESS after 1.0s\n")


def test_duration_under_a_minute_has_tenths_and_above_has_minutes():
    assert [format_duration(seconds) for seconds in (0, 9.96, 59.94, 60, 3725.9)] == \
        ["0.0s", "10.0s", "59.9s", "1m00s", "62m05s"]
