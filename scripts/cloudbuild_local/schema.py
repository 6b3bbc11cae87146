"""Loads a cloudbuild.yaml and checks it against the Cloud Build schema, keeping only what the runner honours.

Keys fall in three groups. Honoured keys become fields of BuildConfig/StepConfig. Keys that only steer Google's
remote workers (machine type, logs bucket, tags, ...) are accepted and ignored, so the same file still runs in
Cloud Build. Keys the runner cannot honour on this machine (secrets, volumes, artifacts, ...) are rejected,
because silently skipping them would make a local run succeed where the real one behaves differently.
"""

import re
from dataclasses import dataclass

import yaml

from .errors import ConfigError

DEFAULT_BUILD_TIMEOUT_SECONDS = 600.0  # Cloud Build's own default
USER_SUBSTITUTION_KEY = re.compile(r"_[A-Z0-9_]+")
ENV_ENTRY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=.*", re.DOTALL)
DURATION = re.compile(r"(\d+(?:\.\d+)?)s")

BUILD_KEYS_HONOURED = {"steps", "timeout", "substitutions", "images", "options"}
BUILD_KEYS_REMOTE_ONLY = {"tags", "logsBucket", "queueTtl", "serviceAccount"}
BUILD_KEYS_UNSUPPORTED = {"secrets", "availableSecrets", "artifacts"}

OPTION_KEYS_HONOURED = {"substitutionOption", "env"}
OPTION_KEYS_REMOTE_ONLY = {
    "machineType", "diskSizeGb", "logging", "logStreamingOption", "requestedVerifyOption",
    "sourceProvenanceHash", "workerPool", "pool", "defaultLogsBucketBehavior",
}
OPTION_KEYS_UNSUPPORTED = {"secretEnv", "volumes", "dynamicSubstitutions", "automapSubstitutions"}
SUBSTITUTION_OPTIONS = ("MUST_MATCH", "ALLOW_LOOSE")

STEP_KEYS_HONOURED = {"name", "args", "env", "dir", "id", "entrypoint", "timeout", "waitFor"}
STEP_KEYS_UNSUPPORTED = {"secretEnv", "volumes", "script", "allowFailure", "allowExitCodes", "automapSubstitutions"}


@dataclass(frozen=True)
class StepConfig:
    """One entry of `steps`, as written (substitutions not yet applied)."""

    index: int
    name: str
    args: tuple[str, ...] = ()
    env: tuple[str, ...] = ()
    dir: str = ""
    id: str | None = None
    entrypoint: str | None = None
    timeout_seconds: float | None = None
    wait_for: tuple[str, ...] | None = None  # None: wait for every earlier step, as Cloud Build does

    @property
    def label(self) -> str:
        """How messages name this step: by id when it has one, always with its position."""
        position = f"steps[{self.index}]"
        return f"step '{self.id}' ({position})" if self.id is not None else position


@dataclass(frozen=True)
class BuildConfig:
    """A validated build config, as written (substitutions not yet applied)."""

    source: str
    steps: tuple[StepConfig, ...]
    timeout_seconds: float = DEFAULT_BUILD_TIMEOUT_SECONDS
    substitutions: tuple[tuple[str, str], ...] = ()
    images: tuple[str, ...] = ()
    substitution_option: str = "MUST_MATCH"
    env: tuple[str, ...] = ()


def load_config(path: str) -> BuildConfig:
    """Reads and validates a build config file; raises ConfigError with one line on any problem."""
    try:
        with open(path, encoding="utf-8") as config_file:
            text = config_file.read()
    except OSError as error:
        raise ConfigError(path, "file", f"cannot read it: {error.strerror}") from None
    return parse_config(text, source=path)


def parse_config(text: str, source: str) -> BuildConfig:
    """Validates the YAML text of a build config; `source` names it in error messages."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark else ""
        raise ConfigError(source, "yaml", f"{line}{getattr(error, 'problem', None) or error}") from None
    if not isinstance(document, dict):
        raise ConfigError(source, "document", "expected a mapping with a 'steps' list")
    _check_keys(document, source, BUILD_KEYS_HONOURED, BUILD_KEYS_REMOTE_ONLY, BUILD_KEYS_UNSUPPORTED)
    if "steps" not in document:
        raise ConfigError(source, "steps", "missing; a build needs at least one step")
    raw_steps = _expect(document["steps"], list, source, "steps", "a list of steps")
    if not raw_steps:
        raise ConfigError(source, "steps", "empty; a build needs at least one step")
    options = _parse_options(document.get("options", {}), source)
    return BuildConfig(
        source=source,
        steps=tuple(_parse_step(raw, index, source) for index, raw in enumerate(raw_steps)),
        timeout_seconds=_parse_duration(document.get("timeout", "600s"), source, "timeout"),
        substitutions=_parse_substitutions(document.get("substitutions", {}), source),
        images=_string_list(document.get("images", []), source, "images"),
        **options,
    )


def _parse_step(raw: object, index: int, source: str) -> StepConfig:
    where = f"{source}: steps[{index}]"
    step = _expect(raw, dict, where, "step", "a mapping with at least 'name'")
    if "id" in step:
        where = f"{source}: step '{_non_empty_string(step['id'], where, 'id')}' (steps[{index}])"
    _check_keys(step, where, STEP_KEYS_HONOURED, set(), STEP_KEYS_UNSUPPORTED)
    if "name" not in step:
        raise ConfigError(where, "name", "missing; every step names its builder image")
    return StepConfig(
        index=index,
        name=_non_empty_string(step["name"], where, "name"),
        args=_string_list(step.get("args", []), where, "args"),
        env=_env_list(step.get("env", []), where, "env"),
        dir=_expect(step.get("dir", ""), str, where, "dir", "a string"),
        id=step.get("id"),
        entrypoint=_non_empty_string(step["entrypoint"], where, "entrypoint") if "entrypoint" in step else None,
        timeout_seconds=_parse_duration(step["timeout"], where, "timeout") if "timeout" in step else None,
        wait_for=_string_list(step["waitFor"], where, "waitFor") if "waitFor" in step else None,
    )


def _parse_options(raw: object, source: str) -> dict:
    where = f"{source}: options"
    options = _expect(raw, dict, source, "options", "a mapping")
    _check_keys(options, where, OPTION_KEYS_HONOURED, OPTION_KEYS_REMOTE_ONLY, OPTION_KEYS_UNSUPPORTED)
    substitution_option = options.get("substitutionOption", "MUST_MATCH")
    if substitution_option not in SUBSTITUTION_OPTIONS:
        raise ConfigError(where, "substitutionOption", f"expected one of {', '.join(SUBSTITUTION_OPTIONS)}, "
                                                       f"got {substitution_option!r}")
    return {"substitution_option": substitution_option, "env": _env_list(options.get("env", []), where, "env")}


def _parse_substitutions(raw: object, source: str) -> tuple[tuple[str, str], ...]:
    substitutions = _expect(raw, dict, source, "substitutions", "a mapping of _NAME: value")
    for key, value in substitutions.items():
        if not isinstance(key, str) or not USER_SUBSTITUTION_KEY.fullmatch(key):
            raise ConfigError(source, f"substitutions.{key}",
                              "user substitutions must start with '_' and use only A-Z, 0-9 and '_'")
        _expect(value, str, source, f"substitutions.{key}", "a string (quote it)")
    return tuple(substitutions.items())


def _parse_duration(raw: object, where: str, key: str) -> float:
    match = DURATION.fullmatch(raw) if isinstance(raw, str) else None
    if not match or float(match.group(1)) <= 0:
        raise ConfigError(where, key, f'expected a positive duration in seconds like "600s", got {raw!r}')
    return float(match.group(1))


def _check_keys(mapping: dict, where: str, honoured: set, remote_only: set, unsupported: set) -> None:
    for key in mapping:
        if key in unsupported:
            raise ConfigError(where, key, "not supported by the local runner; remove it or run in Cloud Build")
        if key not in honoured | remote_only:
            raise ConfigError(where, key, f"unknown key; expected one of {', '.join(sorted(honoured | remote_only))}")


def _expect(value: object, expected_type: type, where: str, key: str, description: str):
    if not isinstance(value, expected_type):
        raise ConfigError(where, key, f"expected {description}, got {type(value).__name__} {value!r}")
    return value


def _non_empty_string(value: object, where: str, key: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(where, key, f"expected a non-empty string, got {value!r}")
    return value


def _string_list(value: object, where: str, key: str) -> tuple[str, ...]:
    items = _expect(value, list, where, key, "a list of strings")
    for position, item in enumerate(items):
        _expect(item, str, where, f"{key}[{position}]", "a string (quote it)")
    return tuple(items)


def _env_list(value: object, where: str, key: str) -> tuple[str, ...]:
    entries = _string_list(value, where, key)
    for position, entry in enumerate(entries):
        if not ENV_ENTRY.fullmatch(entry):
            raise ConfigError(where, f"{key}[{position}]", f"expected KEY=VALUE, got {entry!r}")
    return entries
