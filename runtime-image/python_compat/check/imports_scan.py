"""The modules an app imports, read from its source files without running them (Python 2.7's `ast`)."""

import ast
import os


def python_files(app_root, skip_files=None):
    """Paths (relative to `app_root`, sorted) of the app's .py files, without hidden directories and without what
    app.yaml's `skip_files` (a compiled regex, as the SDK parsed it) leaves out, as App Engine's deploy did."""
    found = []
    for directory, subdirectories, files in os.walk(app_root):
        subdirectories[:] = sorted(name for name in subdirectories if not name.startswith('.'))
        for name in files:
            if not name.endswith('.py'):
                continue
            relative = os.path.relpath(os.path.join(directory, name), app_root)
            if skip_files is not None and skip_files.match(relative):
                continue
            found.append(relative)
    return sorted(found)


def imported_modules(source, filename='<app>'):
    """Every absolute module name an import statement of `source` names; for `from a import b` both `a` and
    `a.b` (b may be a module or an attribute). SyntaxError when it is not Python 2.7."""
    names = set()
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update('%s.%s' % (node.module, alias.name) for alias in node.names if alias.name != '*')
    return names


class ScanResult(object):
    """`modules`: {module name: [files importing it]}; `unparsable`: files that are not Python 2.7."""

    def __init__(self):
        self.modules = {}
        self.unparsable = []


def scan(app_root, skip_files=None):
    """The imports of every .py file of the app (see python_files)."""
    result = ScanResult()
    for relative in python_files(app_root, skip_files):
        with open(os.path.join(app_root, relative)) as source_file:
            source = source_file.read()
        try:
            names = imported_modules(source, relative)
        except (SyntaxError, TypeError):  # TypeError: a NUL byte in the file
            result.unparsable.append(relative)
            continue
        for name in names:
            result.modules.setdefault(name, []).append(relative)
    return result
