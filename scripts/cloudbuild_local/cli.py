"""Command line: `cloudbuild-local [--config FILE] [--substitutions K=V,...] [--dry-run] [SOURCE]`.

Mirrors `gcloud builds submit`: SOURCE is the directory the steps see as their workspace. Exit status 0 when the
build succeeds, 1 when it does not, 2 when the config or a flag is wrong (one line on stderr).
"""

import argparse
import os
import sys
from typing import TextIO

from .errors import ConfigError
from .executor import ProcessExecutor
from .plan import build_plan, format_plan
from .report import ProgressReporter
from .results import SUCCESS
from .scheduler import Scheduler, StepExecutor
from .schema import load_config
from .substitutions import builtins_from_checkout, parse_substitution_flag

EXIT_BUILD_FAILED = 1
EXIT_BAD_CONFIG = 2


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="cloudbuild-local",
                                     description="Run a Cloud Build config on this machine's Docker engine.")
    parser.add_argument("source", nargs="?", default=".",
                        help="the build's workspace: steps run here (default: the current directory)")
    parser.add_argument("--config", default="cloudbuild.yaml", help="the build config (default: cloudbuild.yaml)")
    parser.add_argument("--substitutions", default="", metavar="KEY=VALUE,...",
                        help="user (_NAME) or built-in substitutions, overriding the file and the git checkout")
    parser.add_argument("--dry-run", action="store_true", help="print the resolved plan and run nothing")
    parser.add_argument("--heartbeat", type=float, default=30.0, metavar="SECONDS",
                        help="how often to list the steps still running (default: 30)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None, executor: StepExecutor | None = None,
         stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr) -> int:
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    workspace = os.path.abspath(arguments.source)
    try:
        if not os.path.isdir(workspace):
            raise ConfigError("SOURCE", arguments.source, "not a directory")
        config = load_config(arguments.config)
        overrides = parse_substitution_flag(arguments.substitutions)
        plan = build_plan(config, builtins_from_checkout(workspace), overrides, workspace)
    except ConfigError as error:
        print(f"cloudbuild-local: {error}", file=stderr)
        return EXIT_BAD_CONFIG
    if arguments.dry_run:
        stdout.write(format_plan(plan))
        return 0
    scheduler = Scheduler(executor or ProcessExecutor(), ProgressReporter(stdout),
                          heartbeat_seconds=arguments.heartbeat)
    result = scheduler.run(plan)
    return 0 if result.status == SUCCESS else EXIT_BUILD_FAILED
