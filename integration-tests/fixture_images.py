"""Building a fixture app image FROM the runtime image the way an app owner does: the app directory plus
the two-line child Dockerfile. Shared by the integration tests and the benchmarks."""

import io
import pathlib
import tarfile

APPS = pathlib.Path(__file__).resolve().parent / 'apps'
# The whole child Dockerfile an app owner writes: the runtime's ONBUILD steps copy the app in.
CHILD_DOCKERFILE = 'ARG RUNTIME_IMAGE\nFROM ${RUNTIME_IMAGE}\n'


def build_context(app_dir, dockerfile=CHILD_DOCKERFILE):
    """A tar build context: the app directory (symlinks kept as links) plus the child Dockerfile."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w') as tar:
        tar.add(str(app_dir), arcname='.', filter=lambda info: None if info.name.endswith('.pyc') else info)
        data = dockerfile.encode()
        info = tarfile.TarInfo('Dockerfile')
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    return buffer


def fixture_tag(name, runtime_image):
    """`NAMESPACE/fixture-NAME:TAG` for the runtime image `NAMESPACE/runtime:TAG`: test runs against runtime
    images of other namespaces or tags (another checkout on the same engine) never overwrite each other's."""
    repository, _, tag = runtime_image.rpartition(':')
    if '/' in tag or not repository:
        repository, tag = runtime_image, 'latest'
    namespace = repository.rpartition('/')[0] or 'python-compat'
    return '%s/fixture-%s:%s' % (namespace, name, tag)


def build_fixture_image(docker_client, name, runtime_image):
    """Builds integration-tests/apps/NAME FROM runtime_image with no network; returns the tag."""
    tag = fixture_tag(name, runtime_image)
    docker_client.images.build(fileobj=build_context(APPS / name), custom_context=True, tag=tag, rm=True,
                               forcerm=True, network_mode='none', buildargs={'RUNTIME_IMAGE': runtime_image})
    return tag
