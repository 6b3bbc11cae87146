"""Runs one planned step as a host process: output streamed line by line, killed on timeout or when stopped."""

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable

from .plan import PlannedStep
from .results import CANCELLED, FAILURE, SUCCESS, TIMEOUT, StepOutcome

POLL_SECONDS = 0.05


class ProcessExecutor:
    """The real executor. Tests inject a fake with the same two methods, so they need neither Docker nor time."""

    def __init__(self, kill_grace_seconds: float = 5.0):
        self.kill_grace_seconds = kill_grace_seconds

    def run(self, step: PlannedStep, timeout_seconds: float, stop: threading.Event,
            emit: Callable[[str], None]) -> StepOutcome:
        """Runs the step's command; TIMEOUT after `timeout_seconds`, CANCELLED as soon as `stop` is set."""
        command = step.command
        if not os.path.isdir(command.cwd):
            return StepOutcome(FAILURE, f"directory {command.cwd} does not exist")
        env = {**os.environ, **dict(entry.split("=", 1) for entry in command.env)}
        try:
            # A session of its own, so a timeout kills the whole tree (bash -> make -> docker), not just its root.
            process = subprocess.Popen(command.argv, cwd=command.cwd, env=env, stdin=subprocess.DEVNULL,
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                                       text=True, errors="replace")
        except FileNotFoundError:
            return StepOutcome(FAILURE, f"host program '{command.argv[0]}' not found on PATH")
        reader = threading.Thread(target=_forward_lines, args=(process.stdout, emit), daemon=True)
        reader.start()
        deadline = time.monotonic() + timeout_seconds
        ended_by = None
        while process.poll() is None:
            if stop.is_set():
                ended_by = StepOutcome(CANCELLED, "stopped")
            elif time.monotonic() >= deadline:
                ended_by = StepOutcome(TIMEOUT, f"killed after {timeout_seconds:g}s")
            if ended_by:
                self._kill(process, command.container_name)
                break
            stop.wait(POLL_SECONDS)
        # Bounded: a background process the step left behind may hold the pipe open for ever.
        reader.join(self.kill_grace_seconds)
        if ended_by:
            return ended_by
        if process.returncode != 0:
            return StepOutcome(FAILURE, f"exit status {process.returncode}")
        return StepOutcome(SUCCESS)

    def image_id(self, image: str) -> str | None:
        """The engine's id for a local image, or None when the engine does not have it."""
        completed = subprocess.run(["docker", "image", "inspect", "--format", "{{.Id}}", image],
                                   capture_output=True, text=True, check=False)
        return completed.stdout.strip() if completed.returncode == 0 else None

    def _kill(self, process: subprocess.Popen, container_name: str | None) -> None:
        # Killing `docker run` only kills the client; the container would keep running without this.
        if container_name:
            subprocess.run(["docker", "rm", "--force", container_name], capture_output=True, check=False)
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(self.kill_grace_seconds)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()


def _signal_group(process: subprocess.Popen, signal_number: int) -> None:
    try:
        os.killpg(process.pid, signal_number)
    except ProcessLookupError:
        pass


def _forward_lines(stream, emit: Callable[[str], None]) -> None:
    for line in stream:
        emit(line.rstrip("\n"))
    stream.close()
