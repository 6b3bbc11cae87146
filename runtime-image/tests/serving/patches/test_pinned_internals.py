"""Every patch of gunicorn's or gevent's internals is checked against the version it was written for: a test that
fails when the installed version, or the source of anything a patch replaces or relies on, has changed."""

import hashlib
import importlib
import inspect

import pkg_resources
import pytest

from python_compat.apiserver import patches as apiserver_patches
from python_compat.serving import graceful_worker
from python_compat.serving import patches as serving_patches

# Every module that replaces or relies on gunicorn's or gevent's internals.
PATCHES = serving_patches.PATCHES + apiserver_patches.PATCHES + (graceful_worker,)


def resolve(dotted):
    """The object named `package.module.Class.attribute`."""
    parts = dotted.split('.')
    for split in range(len(parts), 0, -1):
        try:
            target = importlib.import_module('.'.join(parts[:split]))
        except ImportError:
            continue
        for name in parts[split:]:
            target = getattr(target, name)
        return target
    raise ImportError(dotted)


@pytest.mark.parametrize('patch', PATCHES, ids=[patch.__name__.rpartition('.')[2] for patch in PATCHES])
def test_patch_is_written_for_the_installed_version(patch):
    package, version = patch.WRITTEN_FOR

    assert pkg_resources.get_distribution(package).version == version, (
        '%s was written against %s %s: check it against the installed version, then update WRITTEN_FOR and '
        'RELIES_ON' % (patch.__name__, package, version))


@pytest.mark.parametrize('patch', PATCHES, ids=[patch.__name__.rpartition('.')[2] for patch in PATCHES])
def test_what_the_patch_relies_on_is_unchanged(patch):
    changed = [dotted for dotted, digest in sorted(patch.RELIES_ON.items())
               if hashlib.sha256(inspect.getsource(resolve(dotted))).hexdigest() != digest]

    assert changed == [], '%s relies on code that changed: %s' % (patch.__name__, ', '.join(changed))
