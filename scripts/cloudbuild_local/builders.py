"""Which program runs a step, given its builder image: the builder mapping.

No registry can be reached, so builder images are never pulled. A known public builder runs as the host tool it
wraps (the table below). Any other builder must be an image that a `docker build`/`docker tag` step of the same
build produced, and that the step waits on; it runs in a container of that image with the workspace mounted at
/workspace, as Cloud Build does.
"""

import posixpath
from dataclasses import dataclass

WORKSPACE_IN_CONTAINER = "/workspace"


@dataclass(frozen=True)
class HostBuilder:
    """A public builder image and the host programs that stand in for it."""

    image: str
    default_program: str
    # What the image can run as an `entrypoint`; anything else would pass here and fail in Cloud Build.
    programs: frozenset[str]
    description: str


HOST_BUILDERS = {
    builder.image: builder
    for builder in (
        HostBuilder("gcr.io/cloud-builders/docker", "docker", frozenset({"docker", "bash", "sh"}),
                    "the host's docker CLI (entrypoint bash or sh: the host's shell)"),
        HostBuilder("bash", "bash", frozenset({"bash", "sh"}), "the host's bash"),
        HostBuilder("gcr.io/gcp-runtimes/container-structure-test", "container-structure-test",
                    frozenset({"container-structure-test"}), "container-structure-test from the host's PATH"),
    )
}


@dataclass(frozen=True)
class Command:
    """What the executor runs for one step: an argv, in a host directory, with extra environment."""

    argv: tuple[str, ...]
    cwd: str
    env: tuple[str, ...] = ()
    runs_in: str = "host"
    container_name: str | None = None  # set when argv starts a container: stopping the step must stop it too


def host_builder_for(image: str) -> HostBuilder | None:
    """The host mapping of a builder image, ignoring tag and digest (the host has one version of each tool)."""
    return HOST_BUILDERS.get(_without_tag(image))


def images_produced_by(program: str, args: tuple[str, ...]) -> tuple[str, ...]:
    """The image names a docker builder invocation leaves in the engine: `build --tag X`, `tag SRC X`."""
    if program != "docker" or not args:
        return ()
    if args[0] == "tag" and len(args) == 3:
        return (args[2],)
    if args[0] != "build":
        return ()
    tags = []
    for position, arg in enumerate(args):
        if arg in ("-t", "--tag") and position + 1 < len(args):
            tags.append(args[position + 1])
        elif arg.startswith(("-t=", "--tag=")):
            tags.append(arg.split("=", 1)[1])
    return tuple(tags)


def host_command(program: str, args: tuple[str, ...], cwd: str, env: tuple[str, ...]) -> Command:
    """Runs a builder's program on the host; the step's env is added to the host's own environment."""
    return Command(argv=(program, *args), cwd=cwd, env=env)


def container_command(image: str, entrypoint: str | None, args: tuple[str, ...], workspace: str, step_dir: str,
                      env: tuple[str, ...], container_name: str) -> Command:
    """Runs the step in a fresh container of `image`; only the step's own env reaches it, as in Cloud Build."""
    workdir = posixpath.join(WORKSPACE_IN_CONTAINER, step_dir) if step_dir else WORKSPACE_IN_CONTAINER
    argv = ["docker", "run", "--rm", "--name", container_name,
            "--volume", f"{workspace}:{WORKSPACE_IN_CONTAINER}", "--workdir", workdir]
    for entry in env:
        argv += ["--env", entry]
    if entrypoint:
        argv += ["--entrypoint", entrypoint]
    return Command(argv=(*argv, image, *args), cwd=workspace, runs_in=f"container of {image}",
                   container_name=container_name)


def _without_tag(image: str) -> str:
    repository, _, last_component = image.rpartition("/")
    name = last_component.split("@", 1)[0].split(":", 1)[0]
    return f"{repository}/{name}" if repository else name
