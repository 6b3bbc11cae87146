"""Cloud Build substitutions: where the values come from and how `$NAME` / `${NAME}` in a config resolve.

Built-ins come from the git checkout (the values a trigger would set) and can be overridden on the command line,
as `gcloud builds submit --substitutions` allows. User substitutions (`_NAME`) come from the file, then the
command line. Like Cloud Build with the default MUST_MATCH option, a reference to an undefined name and a user
substitution that nothing references are both errors; `$$` is a literal `$` (for shell variables).
"""

import re
import subprocess
import uuid

from .errors import ConfigError
from .schema import USER_SUBSTITUTION_KEY

BUILTIN_KEYS = (
    "PROJECT_ID", "PROJECT_NUMBER", "BUILD_ID", "LOCATION", "TRIGGER_NAME", "TRIGGER_BUILD_CONFIG_PATH",
    "COMMIT_SHA", "REVISION_ID", "SHORT_SHA", "REPO_NAME", "REPO_FULL_NAME", "BRANCH_NAME", "TAG_NAME",
    "REF_NAME", "SERVICE_ACCOUNT_EMAIL", "SERVICE_ACCOUNT",
)
LOCAL_PROJECT_ID = "local"
# `$$` first so an escaped dollar is never read as the start of a reference.
REFERENCE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def builtins_from_checkout(workspace: str) -> dict[str, str]:
    """The built-in values a Cloud Build trigger would set for this checkout; empty where git has no answer."""
    commit = _git(workspace, "rev-parse", "--verify", "--quiet", "HEAD")
    branch = _git(workspace, "symbolic-ref", "--quiet", "--short", "HEAD")
    tag = _git(workspace, "describe", "--tags", "--exact-match", "HEAD") if commit else ""
    top_level = _git(workspace, "rev-parse", "--show-toplevel")
    values = dict.fromkeys(BUILTIN_KEYS, "")
    values.update(
        PROJECT_ID=LOCAL_PROJECT_ID,
        BUILD_ID=str(uuid.uuid4()),
        LOCATION="local",
        COMMIT_SHA=commit,
        REVISION_ID=commit,
        SHORT_SHA=commit[:7],
        REPO_NAME=top_level.rsplit("/", 1)[-1],
        BRANCH_NAME=branch,
        TAG_NAME=tag,
        REF_NAME=tag or branch,
    )
    return values


def parse_substitution_flag(text: str) -> dict[str, str]:
    """Parses `--substitutions KEY=VALUE,KEY=VALUE` (gcloud's syntax) into a mapping."""
    values = {}
    for pair in filter(None, text.split(",")):
        key, separator, value = pair.partition("=")
        if not separator:
            raise ConfigError("--substitutions", pair, "expected KEY=VALUE")
        if key not in BUILTIN_KEYS and not USER_SUBSTITUTION_KEY.fullmatch(key):
            raise ConfigError("--substitutions", key, "not a built-in substitution and does not start with '_'")
        values[key] = value
    return values


class Substituter:
    """Resolves references in config strings and remembers which user substitutions were used."""

    def __init__(self, values: dict[str, str], allow_loose: bool = False):
        self.values = dict(values)
        self.allow_loose = allow_loose
        self.used: set[str] = set()

    def apply(self, text: str, where: str, key: str) -> str:
        """`text` with every reference resolved; ConfigError naming `where` and `key` for an undefined one."""
        def resolve(match: re.Match) -> str:
            name = match.group(1) or match.group(2)
            if name is None:
                return "$"
            if name in self.values:
                self.used.add(name)
                return self.values[name]
            if self.allow_loose:
                return ""
            hint = "" if name.startswith("_") else f"; write $${name} for a shell variable"
            raise ConfigError(where, key, f"${name} is not a defined substitution{hint}")
        return REFERENCE.sub(resolve, text)

    def check_all_used(self, where: str) -> None:
        """Fails, as Cloud Build does under MUST_MATCH, when a user substitution is referenced nowhere."""
        unused = sorted(key for key in self.values if key.startswith("_") and key not in self.used)
        if unused and not self.allow_loose:
            raise ConfigError(where, f"substitutions.{unused[0]}", "defined but not used anywhere in the build")


def _git(workspace: str, *args: str) -> str:
    try:
        completed = subprocess.run(["git", "-C", workspace, *args], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        return ""
    return completed.stdout.strip() if completed.returncode == 0 else ""
