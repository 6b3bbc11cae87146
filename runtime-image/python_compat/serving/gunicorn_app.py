"""Runs gunicorn in this process with the app already loaded (so start-up errors are ours to report)."""

import sys

from gunicorn.app.base import BaseApplication

from python_compat import memory
from python_compat.serving import graceful_worker
from python_compat.serving import patches


class PreloadedApplication(BaseApplication):
    """A gunicorn application whose WSGI callable and settings were prepared before the arbiter starts."""

    def __init__(self, wsgi_app, effective_settings, install_patches=True):
        self.wsgi_app = wsgi_app
        self.effective_settings = effective_settings
        self.install_patches = install_patches
        BaseApplication.__init__(self)

    def load_config(self):
        for name, (value, _source) in self.effective_settings.items():
            self.cfg.set(name, value)

    def load(self):
        return self.wsgi_app

    def run(self):
        """Runs gunicorn until it stops; exits with DRAIN_INCOMPLETE_EXIT_STATUS when a worker had to cut a request
        at shutdown."""
        if self.install_patches:
            patches.install_all()
        else:
            patches.install_fixes()
        # The app is loaded: what start-up left behind is not copied into every worker.
        memory.release_startup_garbage()
        # Before the workers are forked: they count into memory shared with this process.
        drained = graceful_worker.GracefulGeventWorker.drain_counter = graceful_worker.DrainCounter()
        try:
            BaseApplication.run(self)
        except SystemExit as exit_:
            if drained.count and not exit_.code:
                sys.exit(graceful_worker.DRAIN_INCOMPLETE_EXIT_STATUS)
            raise
