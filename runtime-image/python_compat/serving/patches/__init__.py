"""Speed-ups that replace parts of gunicorn's per-request code, without changing a byte on the wire.

One module per patch. Each names the version it was written against (WRITTEN_FOR) and the sha256 of the source of
everything it replaces or relies on (RELIES_ON); tests/serving/patches/test_pinned_internals.py fails when the
installed version differs, so a gunicorn upgrade means checking each patch again. What each is worth is measured
by `make bench` (the serving benchmark runs the runtime with RUNTIME_PATCHES=off too) and saved under
bench/results/.
"""

from python_compat.serving.patches import gunicorn_base_environ
from python_compat.serving.patches import gunicorn_date_cache
from python_compat.serving.patches import gunicorn_single_send

PATCHES = (gunicorn_date_cache, gunicorn_single_send, gunicorn_base_environ)


def install_all():
    """Applies every patch to gunicorn (in this process and the workers it forks)."""
    for patch in PATCHES:
        patch.install()
