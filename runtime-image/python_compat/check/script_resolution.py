"""Where a handler's `script:` would come from, found without importing anything (check must not run app code)."""

import imp
import os
import sys

SDK_SCRIPT_PREFIX = 'google.appengine.'


def resolve_wsgi_script(app_root, script):
    """(module, path) of the longest module prefix of `script` found on the app's sys.path (the app root first,
    then the image's), as LoadObject would import it; (None, None) when its first component is not found.
    Names after a plain module are attributes; after a package they may be either, which only an import tells."""
    parts = script.split('.')
    search = [app_root] + [entry for entry in sys.path if entry and entry != app_root]
    module = path = None
    for index, part in enumerate(parts):
        try:
            handle, found, (_, _, kind) = imp.find_module(part, search)
        except ImportError:
            break
        if handle is not None:
            handle.close()
        module, path = '.'.join(parts[:index + 1]), found
        if kind != imp.PKG_DIRECTORY:
            break
        search = [found]
        path = os.path.join(found, '__init__.py')
    return module, path


def shown_path(app_root, path):
    """`path` relative to the app root when inside it, else absolute."""
    relative = os.path.relpath(path, app_root)
    return path if relative.startswith('..') else relative


def is_sdk_script(script):
    """Scripts of the SDK's builtins (deferred, remote_api ...): the `google` namespace is assembled at start-up,
    so imp cannot walk it; they are part of the image."""
    return script.startswith(SDK_SCRIPT_PREFIX)
