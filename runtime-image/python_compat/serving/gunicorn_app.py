"""Runs gunicorn in this process with the app already loaded (so start-up errors are ours to report)."""

from gunicorn.app.base import BaseApplication

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
        if self.install_patches:
            patches.install_all()
        BaseApplication.run(self)
