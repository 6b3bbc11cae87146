"""The plan: golden text for sample configs, Cloud Build's ordering rules and the builder mapping."""

import os

import pytest

from cloudbuild_local.plan import format_plan

from .fakes import TESTDATA, plan_from_yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SAMPLES = sorted(name[:-len(".yaml")] for name in os.listdir(TESTDATA) if name.endswith(".yaml"))


def read(path: str) -> str:
    with open(path, encoding="utf-8") as file:
        return file.read()


@pytest.mark.parametrize("sample", SAMPLES)
def test_plan_of_sample_config_matches_its_golden_file(sample):
    # After an intended change: CLOUDBUILD_LOCAL_UPDATE_GOLDEN=1 pytest ..., then review the diff of testdata/.
    actual = format_plan(plan_from_yaml(read(os.path.join(TESTDATA, f"{sample}.yaml")), source=f"{sample}.yaml"))
    golden_path = os.path.join(TESTDATA, f"{sample}.plan")
    if os.environ.get("CLOUDBUILD_LOCAL_UPDATE_GOLDEN") == "1":
        with open(golden_path, "w", encoding="utf-8") as golden:
            golden.write(actual)
    assert actual == read(golden_path)


def keys_and_waits(plan):
    return {step.key: step.waits_on for step in plan.steps}


def test_step_without_wait_for_waits_for_every_earlier_step():
    plan = plan_from_yaml("steps: [{name: bash, id: a}, {name: bash, id: b, waitFor: ['-']}, {name: bash, id: c}]")
    assert keys_and_waits(plan) == {"a": (), "b": (), "c": ("a", "b")}


def test_wait_for_dash_starts_the_step_at_once():
    plan = plan_from_yaml("steps: [{name: bash, id: a}, {name: bash, id: b, waitFor: ['-']}]")
    assert keys_and_waits(plan)["b"] == ()


def test_wait_for_may_name_a_later_step():
    plan = plan_from_yaml("steps: [{name: bash, id: a, waitFor: [b]}, {name: bash, id: b, waitFor: ['-']}]")
    assert keys_and_waits(plan) == {"a": ("b",), "b": ()}


def test_steps_without_id_are_keyed_by_position():
    plan = plan_from_yaml("steps: [{name: bash}, {name: bash}]")
    assert keys_and_waits(plan) == {"#0": (), "#1": ("#0",)}


def test_docker_builder_runs_the_host_docker_cli_whatever_its_tag():
    plan = plan_from_yaml("steps: [{name: 'gcr.io/cloud-builders/docker:20.10', args: [info]}]")
    assert plan.steps[0].command.argv == ("docker", "info")
    assert plan.steps[0].command.runs_in == "host"


def test_docker_builder_with_bash_entrypoint_runs_the_host_shell():
    plan = plan_from_yaml("steps: [{name: gcr.io/cloud-builders/docker, entrypoint: bash, args: [-c, 'true']}]")
    assert plan.steps[0].command.argv == ("bash", "-c", "true")


def test_image_built_two_steps_earlier_can_be_a_builder():
    plan = plan_from_yaml("""
steps:
- {id: build, name: gcr.io/cloud-builders/docker, args: [build, -t, tools, .]}
- {id: retag, name: gcr.io/cloud-builders/docker, args: [tag, tools, tools:2]}
- {id: use, name: 'tools:2', args: [run-tests]}
""")
    use = plan.steps[2]
    assert use.command.runs_in == "container of tools:2"
    assert use.command.argv[-2:] == ("tools:2", "run-tests")
    assert use.command.container_name == "cloudbuild-0f1e2d3c-step2"


def test_container_step_mounts_the_workspace_and_starts_in_its_dir():
    plan = plan_from_yaml("""
steps:
- {id: build, name: gcr.io/cloud-builders/docker, args: [build, --tag, tools, .]}
- {id: use, name: tools, dir: sub/dir}
""")
    argv = plan.steps[1].command.argv
    assert argv[argv.index("--volume") + 1] == "/src/checkout:/workspace"
    assert argv[argv.index("--workdir") + 1] == "/workspace/sub/dir"


def test_host_step_runs_in_its_dir_under_the_workspace():
    plan = plan_from_yaml("steps: [{name: bash, dir: './a/../b'}]")
    assert plan.steps[0].command.cwd == "/src/checkout/b"


def test_step_env_replaces_options_env_of_the_same_name():
    plan = plan_from_yaml("options: {env: [A=1, B=2]}\nsteps: [{name: bash, env: [B=3]}]")
    assert plan.steps[0].command.env == ("A=1", "B=3")


def test_project_cloudbuild_yaml_plans_without_errors():
    plan = plan_from_yaml(read(os.path.join(REPO_ROOT, "cloudbuild.yaml")), source="cloudbuild.yaml")
    starts_at_once = {step.key for step in plan.steps if not step.waits_on}
    assert starts_at_once == {"rootfs", "wheelhouse-base", "wheelhouse-runtime", "wheelhouse-test",
                              "wheelhouse-libraries", "library-rootfs"}
    assert plan.images == ("python-compat/base:latest", "python-compat/runtime:latest")
    assert plan.timeout_seconds == 3600
