"""Turns a validated config into a build plan: substitutions applied, dependency graph checked, builders resolved.

Cloud Build's ordering rules: a step without `waitFor` waits for every step before it; `waitFor: ['-']` starts
it when the build starts; otherwise it waits for the named ids. Everything a run needs is decided here, so
`--dry-run` prints exactly what a run would do.
"""

import posixpath
import re
import shlex
from dataclasses import dataclass

from .builders import (HOST_BUILDERS, Command, container_command, host_builder_for, host_command,
                       images_produced_by)
from .errors import ConfigError
from .schema import BuildConfig, StepConfig
from .substitutions import Substituter

START_AT_ONCE = "-"


@dataclass(frozen=True)
class PlannedStep:
    """One step, ready to run: what to run, what it waits on, what it leaves behind."""

    key: str  # its id, or "#N" for a step without one (Cloud Build's "Step #N")
    label: str
    waits_on: tuple[str, ...]
    command: Command
    timeout_seconds: float | None
    produces_images: tuple[str, ...]


@dataclass(frozen=True)
class BuildPlan:
    source: str
    workspace: str
    steps: tuple[PlannedStep, ...]
    timeout_seconds: float
    substitutions: tuple[tuple[str, str], ...]  # user substitutions and the built-ins the build references
    images: tuple[str, ...]


@dataclass(frozen=True)
class _ResolvedStep:
    config: StepConfig
    key: str
    name: str
    args: tuple[str, ...]
    env: tuple[str, ...]
    dir: str
    entrypoint: str | None
    waits_on: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.config.label


def build_plan(config: BuildConfig, builtins: dict[str, str], overrides: dict[str, str], workspace: str) -> BuildPlan:
    """Resolves `config` for a run in `workspace`; raises ConfigError with one line on any problem."""
    substituter = Substituter({**builtins, **dict(config.substitutions), **overrides},
                              allow_loose=config.substitution_option == "ALLOW_LOOSE")
    options_where = f"{config.source}: options"
    shared_env = tuple(substituter.apply(entry, options_where, f"env[{position}]")
                       for position, entry in enumerate(config.env))
    steps = [_substitute_step(step, substituter, config.source, shared_env) for step in config.steps]
    images = tuple(substituter.apply(image, config.source, f"images[{position}]")
                   for position, image in enumerate(config.images))
    substituter.check_all_used(config.source)

    _check_unique_keys(steps, config.source)
    steps = [_with_dependencies(step, steps, config.source) for step in steps]
    _check_acyclic(steps, config.source)
    ancestors = _ancestors_by_key(steps)
    build_id = substituter.values.get("BUILD_ID", "") or "local"
    planned = tuple(_plan_step(step, ancestors[step.key], steps, config.source, workspace, build_id)
                    for step in steps)
    shown = {key: value for key, value in substituter.values.items()
             if key.startswith("_") or key in substituter.used}
    return BuildPlan(source=config.source, workspace=workspace, steps=planned,
                     timeout_seconds=config.timeout_seconds, substitutions=tuple(sorted(shown.items())),
                     images=images)


def format_plan(plan: BuildPlan) -> str:
    """The plan as text: what `--dry-run` prints, and what golden-plan tests compare."""
    lines = [f"build: {plan.source} ({len(plan.steps)} steps, timeout {_seconds(plan.timeout_seconds)}, "
             f"workspace {plan.workspace})", "substitutions:"]
    lines += [f"  {key}={value}" for key, value in plan.substitutions] or ["  (none)"]
    lines.append("steps:")
    for step in plan.steps:
        after = f"after {', '.join(step.waits_on)}" if step.waits_on else "starts at once"
        lines.append(f"  {step.key}  [{after}]")
        lines.append(f"    runs in:  {step.command.runs_in}")
        lines.append(f"    command:  {shlex.join(step.command.argv)}")
        if step.command.runs_in == "host":
            lines.append(f"    cwd:      {step.command.cwd}")
            if step.command.env:
                lines.append(f"    env:      {shlex.join(step.command.env)}")
        if step.timeout_seconds is not None:
            lines.append(f"    timeout:  {_seconds(step.timeout_seconds)}")
        lines += [f"    builds:   {image}" for image in step.produces_images]
    lines.append("images:")
    lines += [f"  {image}" for image in plan.images] or ["  (none)"]
    return "\n".join(lines) + "\n"


def _substitute_step(step: StepConfig, substituter: Substituter, source: str,
                     shared_env: tuple[str, ...]) -> _ResolvedStep:
    where = f"{source}: {step.label}"

    def apply(text: str, key: str) -> str:
        return substituter.apply(text, where, key)

    step_env = tuple(apply(entry, f"env[{position}]") for position, entry in enumerate(step.env))
    return _ResolvedStep(
        config=step,
        key=step.id if step.id is not None else f"#{step.index}",
        name=apply(step.name, "name"),
        args=tuple(apply(arg, f"args[{position}]") for position, arg in enumerate(step.args)),
        env=_merge_env(shared_env, step_env),
        dir=apply(step.dir, "dir"),
        entrypoint=apply(step.entrypoint, "entrypoint") if step.entrypoint is not None else None,
    )


def _merge_env(shared_env: tuple[str, ...], step_env: tuple[str, ...]) -> tuple[str, ...]:
    """options.env first; a step's own entry for the same name replaces it."""
    merged = {entry.split("=", 1)[0]: entry for entry in shared_env}
    merged.update({entry.split("=", 1)[0]: entry for entry in step_env})
    return tuple(merged.values())


def _check_unique_keys(steps: list[_ResolvedStep], source: str) -> None:
    first_index = {}
    for step in steps:
        if step.key in first_index:
            raise ConfigError(f"{source}: {step.label}", "id",
                              f"duplicate id; steps[{first_index[step.key]}] already uses it")
        first_index[step.key] = step.config.index


def _with_dependencies(step: _ResolvedStep, steps: list[_ResolvedStep], source: str) -> _ResolvedStep:
    wait_for = step.config.wait_for
    if wait_for is None:
        waits_on = tuple(earlier.key for earlier in steps[:step.config.index])
    elif START_AT_ONCE in wait_for:
        if len(wait_for) > 1:
            raise ConfigError(f"{source}: {step.label}", "waitFor", "'-' (start at once) must be the only entry")
        waits_on = ()
    else:
        known = {other.key for other in steps}
        for position, key in enumerate(wait_for):
            if key not in known:
                raise ConfigError(f"{source}: {step.label}", f"waitFor[{position}]", f"unknown step id '{key}'")
        waits_on = tuple(dict.fromkeys(wait_for))
    return _ResolvedStep(**{**step.__dict__, "waits_on": waits_on})


def _check_acyclic(steps: list[_ResolvedStep], source: str) -> None:
    by_key = {step.key: step for step in steps}
    finished: set[str] = set()

    def visit(key: str, path: list[str]) -> None:
        if key in path:
            cycle = path[path.index(key):] + [key]
            raise ConfigError(f"{source}: {by_key[cycle[0]].label}", "waitFor",
                              f"dependency cycle {' -> '.join(cycle)}")
        if key in finished:
            return
        for dependency in by_key[key].waits_on:
            visit(dependency, path + [key])
        finished.add(key)

    for step in steps:
        visit(step.key, [])


def _ancestors_by_key(steps: list[_ResolvedStep]) -> dict[str, set[str]]:
    by_key = {step.key: step for step in steps}
    ancestors: dict[str, set[str]] = {}

    def collect(key: str) -> set[str]:
        if key not in ancestors:
            ancestors[key] = set()
            for dependency in by_key[key].waits_on:
                ancestors[key] |= {dependency} | collect(dependency)
        return ancestors[key]

    for step in steps:
        collect(step.key)
    return ancestors


def _plan_step(step: _ResolvedStep, ancestors: set[str], steps: list[_ResolvedStep], source: str, workspace: str,
               build_id: str) -> PlannedStep:
    where = f"{source}: {step.label}"
    step_dir = _checked_dir(step.dir, where)
    builder = host_builder_for(step.name)
    if builder is not None:
        program = step.entrypoint or builder.default_program
        if program not in builder.programs:
            raise ConfigError(where, "entrypoint", f"'{program}' is not a program of {builder.image}; expected one "
                                                   f"of {', '.join(sorted(builder.programs))}")
        cwd = posixpath.join(workspace, step_dir) if step_dir else workspace
        command = host_command(program, step.args, cwd, step.env)
        produces = images_produced_by(program, step.args)
    else:
        _check_image_built_before(step, ancestors, steps, where)
        container_name = re.sub(r"[^A-Za-z0-9_.-]", "-", f"cloudbuild-{build_id[:8]}-step{step.config.index}")
        command = container_command(step.name, step.entrypoint, step.args, workspace, step_dir, step.env,
                                    container_name)
        produces = ()
    return PlannedStep(key=step.key, label=step.label, waits_on=step.waits_on, command=command,
                       timeout_seconds=step.config.timeout_seconds, produces_images=produces)


def _check_image_built_before(step: _ResolvedStep, ancestors: set[str], steps: list[_ResolvedStep],
                              where: str) -> None:
    """A builder that is not mapped to the host must come out of a step this one waits on."""
    producers = [other for other in steps if step.name in _images_of(other)]
    if any(producer.key in ancestors for producer in producers):
        return
    if producers:
        raise ConfigError(where, "waitFor", f"builder image '{step.name}' is built by step '{producers[0].key}', "
                                            "which this step does not wait for")
    mapped = ", ".join(sorted(HOST_BUILDERS))
    raise ConfigError(where, "name", f"builder image '{step.name}' cannot be pulled here; use a mapped builder "
                                     f"({mapped}) or an image built by an earlier step")


def _images_of(step: _ResolvedStep) -> tuple[str, ...]:
    builder = host_builder_for(step.name)
    if builder is None:
        return ()
    return images_produced_by(step.entrypoint or builder.default_program, step.args)


def _checked_dir(step_dir: str, where: str) -> str:
    normalized = posixpath.normpath(step_dir) if step_dir else ""
    if posixpath.isabs(normalized) or normalized == ".." or normalized.startswith("../"):
        raise ConfigError(where, "dir", f"'{step_dir}' must be a relative path inside the workspace")
    return "" if normalized == "." else normalized


def _seconds(seconds: float) -> str:
    return f"{seconds:g}s"
