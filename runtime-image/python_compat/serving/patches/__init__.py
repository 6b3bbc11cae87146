"""Patches of gunicorn's per-request code: speed-ups that change no byte on the wire, and fixes of what gunicorn 19
puts on the wire wrongly.

One module per patch. Each names the version it was written against (WRITTEN_FOR) and the sha256 of the source of
everything it replaces or relies on (RELIES_ON); tests/serving/patches/test_pinned_internals.py fails when the
installed version differs, so a gunicorn upgrade means checking each patch again. What the speed-ups are worth is
measured by `make bench` (the serving benchmark runs the runtime with RUNTIME_PATCHES=off too) and saved under
bench/results/. The fixes are behaviour the runtime promises: with RUNTIME_PATCHES=off, serving must still install
them (install_fixes).
"""

from python_compat.serving.patches import gunicorn_base_environ
from python_compat.serving.patches import gunicorn_connection_close
from python_compat.serving.patches import gunicorn_date_cache
from python_compat.serving.patches import gunicorn_http_version
from python_compat.serving.patches import gunicorn_single_send

SPEED_UPS = (gunicorn_date_cache, gunicorn_single_send, gunicorn_base_environ)
FIXES = (gunicorn_connection_close, gunicorn_http_version)
PATCHES = SPEED_UPS + FIXES


def install_all():
    """Applies every patch to gunicorn (in this process and the workers it forks)."""
    for patch in PATCHES:
        patch.install()


def install_fixes():
    """Applies only the fixes: what serving with RUNTIME_PATCHES=off must still do."""
    for patch in FIXES:
        patch.install()
