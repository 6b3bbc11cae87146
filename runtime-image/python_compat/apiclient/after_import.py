"""Runs a function on a module as soon as it has been imported, or at once if it already is.

The runtime adjusts some SDK modules (ndb's per-thread state, its debugging aids) before the app uses them;
importing them itself would make every app pay for modules it may never use (ndb is a tenth of the serving
process's start-up). A finder on sys.meta_path lets the normal import of such a module run, then calls its hooks.
"""

import sys


class _AfterImport(object):
    """The sys.meta_path finder: names it watches, and the hooks each name's module still waits for."""

    def __init__(self):
        self.hooks = {}
        self.importing = set()

    def find_module(self, fullname, path=None):
        if fullname in self.hooks and fullname not in self.importing:
            return self
        return None

    def load_module(self, fullname):
        self.importing.add(fullname)
        try:
            # The normal import: this finder declines the name while it runs.
            __import__(fullname)
        finally:
            self.importing.discard(fullname)
        module = sys.modules[fullname]
        for hook in self.hooks.pop(fullname, ()):
            hook(module)
        return module


_FINDER = _AfterImport()


def call_after_import(name, hook):
    """Calls hook(module) once the module `name` has been imported in full (its package's submodules that
    it imports included), or now when it already has been."""
    module = sys.modules.get(name)
    if module is not None:
        hook(module)
        return
    _FINDER.hooks.setdefault(name, []).append(hook)
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
