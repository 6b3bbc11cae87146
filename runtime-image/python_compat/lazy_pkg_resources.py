"""`pkg_resources`, imported the first time something uses it rather than when something imports it.

Importing pkg_resources (setuptools 44) scans every installed distribution and keeps what it found: it is one of
the largest costs in the memory and the start-up time of each of our processes (see `make bench`: idle RSS by
role, cold start). Two imports the runtime always makes reach it without needing it:

- gevent 22.10.2's `gevent.events`, which `monkey.patch_all()` imports, runs `from pkg_resources import
  iter_entry_points` to look up plugins for its patch events. The image's distributions declare no gevent plugin.
- gunicorn 19.10's `gunicorn.util` runs `import pkg_resources`, used only to load `egg:` worker URIs; ours are
  dotted paths.

`install()` puts a stand-in into `sys.modules`: its `iter_entry_points` answers "none" for a group no installed
distribution declares (checked in the distributions' own `entry_points.txt`), and any other use imports the real
module, which then replaces the stand-in. An app that imports pkg_resources gets the same module as before.
"""

import imp
import os
import sys
import types

MODULE_NAME = 'pkg_resources'
_METADATA_SUFFIXES = ('.dist-info', '.egg-info')


class _StandIn(types.ModuleType):
    """The stand-in: every attribute it does not define comes from the real module, imported on first use."""

    def __getattr__(self, name):
        if name.startswith('__') and name.endswith('__') and name not in ('__file__', '__all__'):
            raise AttributeError(name)  # probes such as copy's and inspect's must not import the real module
        return getattr(load(), name)


def install():
    """Puts the stand-in in place, unless pkg_resources is already imported. Call it before gevent and gunicorn
    are imported."""
    if MODULE_NAME in sys.modules:
        return
    try:
        unused_file, package_directory, unused_description = imp.find_module(MODULE_NAME)
    except ImportError:
        return  # not installed: an import fails as it would have
    stand_in = _StandIn(MODULE_NAME, __doc__)
    # `from pkg_resources import x` asks a package for its __path__ first: set here, that does not import it.
    stand_in.__path__ = [package_directory]
    stand_in.iter_entry_points = iter_entry_points
    sys.modules[MODULE_NAME] = stand_in


def load():
    """The real pkg_resources, imported now if it is not yet; modules that bound the stand-in use it from now on."""
    module = sys.modules.get(MODULE_NAME)
    if module is not None and not isinstance(module, _StandIn):
        return module
    if module is not None:
        del sys.modules[MODULE_NAME]
    try:
        real = __import__(MODULE_NAME)
    except Exception:
        if module is not None:
            sys.modules[MODULE_NAME] = module
        raise
    if module is not None:
        module.__dict__.update(real.__dict__)
    return real


def is_stand_in(module):
    """Whether `module` is the stand-in, not yet replaced by the real pkg_resources."""
    return isinstance(module, _StandIn) and not is_loaded()


def module_file(module):
    """The `__file__` of a module, found for the stand-in without importing the real pkg_resources."""
    if is_stand_in(module):
        return os.path.join(module.__path__[0], '__init__.py')
    return getattr(module, '__file__', None)


def is_loaded():
    """Whether the real pkg_resources has been imported in this process."""
    module = sys.modules.get(MODULE_NAME)
    return module is not None and not isinstance(module, _StandIn)


def iter_entry_points(group, name=None):
    """pkg_resources.iter_entry_points, reading the distributions' `entry_points.txt` itself when it can."""
    if not is_loaded():
        declared = _entry_points_on_path()
        if declared is not None and declared.get(group, ()) is not None:
            return iter([entry_point for entry_point in declared.get(group, ())
                         if name is None or entry_point.name == name])
    return load().iter_entry_points(group, name)


class EntryPoint(object):
    """What iter_entry_points yields for an entry point without extras: its name, and load() to import it."""

    def __init__(self, name, module_name, attributes):
        self.name = name
        self.module_name = module_name
        self.attrs = attributes

    def load(self):
        target = __import__(self.module_name, fromlist=['__name__'])
        for attribute in self.attrs:
            target = getattr(target, attribute)
        return target

    def __repr__(self):
        return 'EntryPoint(%s = %s:%s)' % (self.name, self.module_name, '.'.join(self.attrs))


_entry_points_by_path = {}


def _entry_points_on_path():
    """{group: [EntryPoint], or None where pkg_resources must decide} declared by the distributions on sys.path;
    None when pkg_resources must decide for every group."""
    key = tuple(sys.path)
    if key not in _entry_points_by_path:
        _entry_points_by_path[key] = _read_entry_points(key)
    return _entry_points_by_path[key]


def _read_entry_points(path):
    """Reads each plain distribution directory (`.dist-info` / `.egg-info`) on `path`. None when a distribution is
    not read here (an egg, a link to a development checkout, a zip on sys.path)."""
    declared = {}
    for entry in path:
        directory = entry or '.'
        if not os.path.isdir(directory):
            if os.path.exists(directory):
                return None
            continue
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            continue
        for name in names:
            if name.endswith(('.egg', '.egg-link')):
                return None
            if name.endswith(_METADATA_SUFFIXES):
                _read_entry_points_file(os.path.join(directory, name, 'entry_points.txt'), declared)
    return declared


def _read_entry_points_file(entry_points_path, declared):
    """Adds the file's entry points to `declared`; a group with one beyond this reader (extras, whose load()
    checks requirements, or odd syntax) becomes None."""
    try:
        with open(entry_points_path) as entry_points:
            lines = entry_points.read().splitlines()
    except IOError:  # no entry points, or an .egg-info file
        return
    group = None
    for line in lines:
        line = line.strip()
        if not line or line.startswith(('#', ';')):
            continue
        if line.startswith('['):
            group = line[1:-1].strip()
            continue
        name, equals, value = line.partition('=')
        module_name, colon, attributes = value.strip().partition(':')
        if group is None or not equals or '[' in value or ' ' in module_name:
            declared[group] = None
        elif declared.setdefault(group, []) is not None:
            declared[group].append(EntryPoint(name.strip(), module_name,
                                              attributes.strip().split('.') if colon else []))
