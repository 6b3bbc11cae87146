"""Every config mistake the runner catches ends the run with exit status 2 and one line naming step and key."""

import io

import pytest

from cloudbuild_local.cli import EXIT_BAD_CONFIG, main

from .fakes import FakeExecutor

BAD_CONFIGS = {
    "unknown top-level key": (
        "step: []\nsteps: [{name: bash}]",
        "test.yaml: step: unknown key; expected one of"),
    "unknown step key": (
        "steps: [{id: fetch, name: bash, arg: [x]}]",
        "test.yaml: step 'fetch' (steps[0]): arg: unknown key; expected one of"),
    "missing steps": (
        "timeout: 60s",
        "test.yaml: steps: missing"),
    "step without name": (
        "steps: [{id: fetch, args: [x]}]",
        "test.yaml: step 'fetch' (steps[0]): name: missing"),
    "args not a list": (
        "steps: [{id: fetch, name: bash, args: 'echo hi'}]",
        "test.yaml: step 'fetch' (steps[0]): args: expected a list of strings, got str 'echo hi'"),
    "arg not a string": (
        "steps: [{id: serve, name: bash, args: [-p, 8080]}]",
        "test.yaml: step 'serve' (steps[0]): args[1]: expected a string (quote it), got int 8080"),
    "env entry without equals sign": (
        "steps: [{id: fetch, name: bash, env: [DEBUG]}]",
        "test.yaml: step 'fetch' (steps[0]): env[0]: expected KEY=VALUE, got 'DEBUG'"),
    "step timeout not a duration": (
        "steps: [{id: fetch, name: bash, timeout: 600}]",
        "test.yaml: step 'fetch' (steps[0]): timeout: expected a positive duration in seconds like \"600s\", got 600"),
    "build timeout not a duration": (
        "timeout: 10m\nsteps: [{name: bash}]",
        "test.yaml: timeout: expected a positive duration in seconds like \"600s\", got '10m'"),
    "waitFor not a list": (
        "steps: [{id: a, name: bash}, {id: b, name: bash, waitFor: a}]",
        "test.yaml: step 'b' (steps[1]): waitFor: expected a list of strings, got str 'a'"),
    "user substitution key not upper case": (
        "substitutions: {_tag: x}\nsteps: [{name: bash}]",
        "test.yaml: substitutions._tag: user substitutions must start with '_'"),
    "undefined user substitution": (
        "steps: [{id: push, name: bash, args: [-c, 'echo ${_TAG}']}]",
        "test.yaml: step 'push' (steps[0]): args[1]: $_TAG is not a defined substitution"),
    "shell variable read as a substitution": (
        "steps: [{id: push, name: bash, args: [-c, 'echo $HOME']}]",
        "test.yaml: step 'push' (steps[0]): args[1]: $HOME is not a defined substitution; write $$HOME for a shell"),
    "undefined substitution in images": (
        "steps: [{name: bash}]\nimages: ['$_IMAGE']",
        "test.yaml: images[0]: $_IMAGE is not a defined substitution"),
    "unused user substitution": (
        "substitutions: {_UNUSED: x}\nsteps: [{name: bash}]",
        "test.yaml: substitutions._UNUSED: defined but not used anywhere in the build"),
    "waitFor names an unknown id": (
        "steps: [{id: rootfs, name: bash}, {id: base, name: bash, waitFor: [rootfs, wheelhose]}]",
        "test.yaml: step 'base' (steps[1]): waitFor[1]: unknown step id 'wheelhose'"),
    "dependency cycle": (
        "steps: [{id: a, name: bash, waitFor: [c]}, {id: b, name: bash, waitFor: [a]}, "
        "{id: c, name: bash, waitFor: [b]}]",
        "test.yaml: step 'a' (steps[0]): waitFor: dependency cycle a -> c -> b -> a"),
    "step waits for itself": (
        "steps: [{id: a, name: bash, waitFor: [a]}]",
        "test.yaml: step 'a' (steps[0]): waitFor: dependency cycle a -> a"),
    "dash mixed with ids": (
        "steps: [{id: a, name: bash}, {id: b, name: bash, waitFor: ['-', a]}]",
        "test.yaml: step 'b' (steps[1]): waitFor: '-' (start at once) must be the only entry"),
    "duplicate id": (
        "steps: [{id: a, name: bash}, {id: a, name: bash}]",
        "test.yaml: step 'a' (steps[1]): id: duplicate id; steps[0] already uses it"),
    "secretEnv on a step": (
        "steps: [{id: push, name: bash, secretEnv: [TOKEN]}]",
        "test.yaml: step 'push' (steps[0]): secretEnv: not supported by the local runner"),
    "secretEnv in options": (
        "options: {secretEnv: [TOKEN]}\nsteps: [{name: bash}]",
        "test.yaml: options: secretEnv: not supported by the local runner"),
    "availableSecrets": (
        "availableSecrets: {secretManager: []}\nsteps: [{name: bash}]",
        "test.yaml: availableSecrets: not supported by the local runner"),
    "step volumes": (
        "steps: [{id: a, name: bash, volumes: [{name: v, path: /v}]}]",
        "test.yaml: step 'a' (steps[0]): volumes: not supported by the local runner"),
    "builder that cannot be pulled": (
        "steps: [{id: test, name: 'python:3.11', args: [-m, pytest]}]",
        "test.yaml: step 'test' (steps[0]): name: builder image 'python:3.11' cannot be pulled here"),
    "built builder not waited for": (
        "steps: [{id: tools, name: gcr.io/cloud-builders/docker, args: [build, -t, tools, .]}, "
        "{id: use, name: tools, waitFor: ['-']}]",
        "test.yaml: step 'use' (steps[1]): waitFor: builder image 'tools' is built by step 'tools', "
        "which this step does not wait for"),
    "entrypoint the builder does not have": (
        "steps: [{id: m, name: gcr.io/cloud-builders/docker, entrypoint: make}]",
        "test.yaml: step 'm' (steps[0]): entrypoint: 'make' is not a program of gcr.io/cloud-builders/docker"),
    "dir outside the workspace": (
        "steps: [{id: a, name: bash, dir: ../elsewhere}]",
        "test.yaml: step 'a' (steps[0]): dir: '../elsewhere' must be a relative path inside the workspace"),
    "unknown substitution option": (
        "options: {substitutionOption: LOOSE}\nsteps: [{name: bash}]",
        "test.yaml: options: substitutionOption: expected one of MUST_MATCH, ALLOW_LOOSE, got 'LOOSE'"),
    "not YAML": (
        "steps: [{name: bash}\n",
        "test.yaml: yaml: line 2:"),
    "not a mapping": (
        "- name: bash",
        "test.yaml: document: expected a mapping with a 'steps' list"),
}


def run_cli(tmp_path, config_text: str, *flags: str):
    (tmp_path / "test.yaml").write_text(config_text)
    stdout, stderr = io.StringIO(), io.StringIO()
    executor = FakeExecutor()
    status = main(["--config", str(tmp_path / "test.yaml"), *flags, str(tmp_path)], executor, stdout, stderr)
    return status, stdout.getvalue(), stderr.getvalue().replace(str(tmp_path) + "/", ""), executor


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_config_error_is_one_line_naming_step_and_key(tmp_path, case):
    config_text, expected_start = BAD_CONFIGS[case]
    status, stdout, stderr, executor = run_cli(tmp_path, config_text)
    assert status == EXIT_BAD_CONFIG
    assert stderr.count("\n") == 1
    assert stderr.startswith(f"cloudbuild-local: {expected_start}"), stderr
    assert executor.events == [] and stdout == ""


def test_substitution_flag_with_an_unknown_built_in_is_one_line(tmp_path):
    status, _, stderr, _ = run_cli(tmp_path, "steps: [{name: bash}]", "--substitutions", "TAG=1")
    assert status == EXIT_BAD_CONFIG
    assert stderr == "cloudbuild-local: --substitutions: TAG: not a built-in substitution and does not start with '_'\n"


def test_missing_config_file_is_one_line(tmp_path):
    stderr = io.StringIO()
    status = main(["--config", str(tmp_path / "absent.yaml"), str(tmp_path)], FakeExecutor(), io.StringIO(), stderr)
    assert status == EXIT_BAD_CONFIG
    assert stderr.getvalue() == \
        f"cloudbuild-local: {tmp_path}/absent.yaml: file: cannot read it: No such file or directory\n"
