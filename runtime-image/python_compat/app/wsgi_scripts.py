"""`script: module.attr` handlers: the WSGI app a script names, imported with the app root on sys.path."""

import sys
import traceback

from python_compat.errors import StartupError


def import_wsgi_app(script, source, key):
    """The WSGI callable named by `module.attr`, imported with the app root on sys.path."""
    module_name, _, attribute = script.rpartition('.')
    if not module_name or not attribute:
        raise StartupError(source, key, "%r: expected module.attribute naming a WSGI app" % script)
    try:
        __import__(module_name)
    except Exception as error:  # any exception the app raises while being imported
        if isinstance(error, ImportError) and _is_missing_module(module_name, error):
            raise StartupError(source, key, "%r: no module named %r in the app root" % (script, module_name))
        raise StartupError(source, key, "%r: importing %s raised %s: %s"
                           % (script, module_name, type(error).__name__, error), traceback.format_exc())
    module = sys.modules[module_name]
    try:
        app = getattr(module, attribute)
    except AttributeError:
        raise StartupError(source, key, "%r: module %s has no attribute %r" % (script, module_name, attribute))
    if not callable(app):
        raise StartupError(source, key, "%r: %s.%s is not a WSGI callable" % (script, module_name, attribute))
    return app


def _is_missing_module(module_name, error):
    """True when the ImportError is about the script module itself, not an import inside it."""
    message = str(error)
    return any(message == 'No module named %s' % name
               for name in (module_name, module_name.split('.')[-1], module_name.split('.')[0]))
