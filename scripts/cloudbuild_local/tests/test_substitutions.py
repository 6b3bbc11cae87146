"""Built-in and user substitutions: where values come from, which wins, and how references resolve."""

import re
import subprocess

import pytest

from cloudbuild_local.errors import ConfigError
from cloudbuild_local.substitutions import builtins_from_checkout, parse_substitution_flag

from .fakes import plan_from_yaml


def args_of_first_step(config_text: str, overrides: dict | None = None) -> tuple[str, ...]:
    return plan_from_yaml(config_text, overrides).steps[0].command.argv[1:]


def test_built_ins_resolve_in_both_spellings():
    args = args_of_first_step("steps: [{name: bash, args: ['$PROJECT_ID', '${BUILD_ID}', '$SHORT_SHA', "
                              "'$BRANCH_NAME', '${REPO_NAME}', '$COMMIT_SHA']}]")
    assert args == ("local", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "1234567", "main", "python-compat",
                    "1234567890abcdef1234567890abcdef12345678")


def test_built_in_without_a_value_resolves_to_empty_as_in_cloud_build():
    assert args_of_first_step("steps: [{name: bash, args: ['tag=$TAG_NAME']}]") == ("tag=",)


def test_double_dollar_is_a_literal_dollar():
    assert args_of_first_step("steps: [{name: bash, args: ['$$HOME', '$${_X}', 'a$$']}]") == ("$HOME", "${_X}", "a$")


def test_user_substitution_comes_from_the_file():
    assert args_of_first_step("substitutions: {_TAG: v1}\nsteps: [{name: bash, args: ['${_TAG}']}]") == ("v1",)


def test_command_line_overrides_the_file():
    config = "substitutions: {_TAG: v1}\nsteps: [{name: bash, args: ['${_TAG}']}]"
    assert args_of_first_step(config, {"_TAG": "v2"}) == ("v2",)


def test_command_line_may_set_a_user_substitution_the_file_lacks():
    assert args_of_first_step("steps: [{name: bash, args: ['$_NEW']}]", {"_NEW": "x"}) == ("x",)


def test_command_line_overrides_a_built_in():
    assert args_of_first_step("steps: [{name: bash, args: ['$COMMIT_SHA']}]", {"COMMIT_SHA": "abc"}) == ("abc",)


def test_substitutions_apply_to_name_env_dir_entrypoint_and_images():
    plan = plan_from_yaml("""
substitutions: {_BUILDER: gcr.io/cloud-builders/docker, _SHELL: bash, _DIR: sub, _IMAGE: app}
options: {env: ['SHARED=$_IMAGE']}
steps: [{name: '$_BUILDER', entrypoint: '$_SHELL', dir: '$_DIR', env: ['OWN=${_IMAGE}-x']}]
images: ['$_IMAGE:$SHORT_SHA']
""")
    command = plan.steps[0].command
    assert command.argv == ("bash",)
    assert command.cwd == "/src/checkout/sub"
    assert command.env == ("SHARED=app", "OWN=app-x")
    assert plan.images == ("app:1234567",)


def test_allow_loose_resolves_undefined_to_empty_and_allows_unused():
    config = "options: {substitutionOption: ALLOW_LOOSE}\nsubstitutions: {_UNUSED: x}\n" \
             "steps: [{name: bash, args: ['[$_MISSING]']}]"
    assert args_of_first_step(config) == ("[]",)


def test_dry_run_lists_user_substitutions_and_the_built_ins_in_use():
    plan = plan_from_yaml("substitutions: {_TAG: v1}\nsteps: [{name: bash, args: ['$_TAG', '$SHORT_SHA']}]")
    assert plan.substitutions == (("SHORT_SHA", "1234567"), ("_TAG", "v1"))


def test_substitution_flag_parses_gcloud_syntax():
    assert parse_substitution_flag("_A=1,_B=x=y,COMMIT_SHA=abc") == {"_A": "1", "_B": "x=y", "COMMIT_SHA": "abc"}


def test_substitution_flag_without_equals_sign_is_an_error():
    with pytest.raises(ConfigError, match=r"--substitutions: _A: expected KEY=VALUE"):
        parse_substitution_flag("_A")


def git(checkout, *args):
    subprocess.run(["git", "-C", str(checkout), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   check=True, capture_output=True)


def test_built_ins_come_from_the_git_checkout(tmp_path):
    checkout = tmp_path / "my-repo"
    checkout.mkdir()
    git(checkout, "init", "--quiet", "--initial-branch", "feature")
    git(checkout, "commit", "--quiet", "--allow-empty", "-m", "first")
    git(checkout, "tag", "v1.2")
    values = builtins_from_checkout(str(checkout))
    assert re.fullmatch(r"[0-9a-f]{40}", values["COMMIT_SHA"])
    assert values["SHORT_SHA"] == values["COMMIT_SHA"][:7]
    assert values["REVISION_ID"] == values["COMMIT_SHA"]
    assert (values["BRANCH_NAME"], values["TAG_NAME"], values["REF_NAME"]) == ("feature", "v1.2", "v1.2")
    assert values["REPO_NAME"] == "my-repo"


def test_built_ins_outside_a_checkout_are_empty_except_project_and_build_id(tmp_path):
    values = builtins_from_checkout(str(tmp_path))
    assert values["PROJECT_ID"] == "local"
    assert re.fullmatch(r"[0-9a-f-]{36}", values["BUILD_ID"])
    assert values["COMMIT_SHA"] == values["BRANCH_NAME"] == values["TAG_NAME"] == ""


def test_each_run_gets_a_new_build_id(tmp_path):
    assert builtins_from_checkout(str(tmp_path))["BUILD_ID"] != builtins_from_checkout(str(tmp_path))["BUILD_ID"]
