"""Which calls the API server serves: {service: {method: (request class, response class)}}, the SDK's own map.

The SDK keeps that map in `remote_api_services` (every production and stub-only method) plus `datastore_v4` in
devappserver2's `stub_util`; importing either imports every service's protocol buffer module, most of the
API server's memory. This module reads the two maps from the SDK's source instead, and imports a service's
classes the first time a call to that service arrives.
"""

import ast
import imp
import os
import threading

# The stub's test hook that sets the OAuth user: no caller may choose who OAuth says is calling.
NOT_SERVED = {'user': ('SetOAuthUser',)}
# Calls of this server's own, each with the messages of an SDK call: {service: {method: like method}}.
OWN_METHODS = {'taskqueue': {'BulkAddHeldByCaller': 'BulkAdd'}}  # tasks/held_actions.py
_SDK_MAPS = (
    # (module, the functions returning a map or the module-level maps it defines)
    ('google.appengine.ext.remote_api.remote_api_services',
     ('get_service_pb_map', 'get_stub_exclusive_service_pb_map')),
    ('google.appengine.tools.devappserver2.stub_util', ('DATASTORE_V4_METHODS',)),
)


class ServiceMethods(object):
    """The served calls, resolved to classes per service on first use; `get` as on the dict it stands for."""

    def __init__(self, names=None):
        """names: {service: {method: ((module, class), (module, class))}}; read from the SDK when None."""
        self._names = read_sdk_method_names() if names is None else names
        self._resolved = {}
        self._lock = threading.Lock()

    def services(self):
        return sorted(self._names)

    def get(self, service, default=None):
        """{method: (request class, response class)} of `service`, or `default` for a service not served."""
        if service not in self._names:
            return default
        methods = self._resolved.get(service)
        if methods is None:
            with self._lock:
                methods = self._resolved.get(service)
                if methods is None:
                    methods = self._resolved[service] = dict(
                        (method, (_class(request), _class(response)))
                        for method, (request, response) in self._names[service].items())
        return methods


def _class(module_and_name):
    module_name, class_name = module_and_name
    return getattr(__import__(module_name, fromlist=[class_name]), class_name)


def read_sdk_method_names():
    """{service: {method: ((request module, class), (response module, class))}} from the SDK's sources."""
    names = {}
    remote_api_path, stub_util_path = (_source_path(module) for module, _ in _SDK_MAPS)
    service_map, stub_exclusive = _literal_maps(remote_api_path, _SDK_MAPS[0][1])
    for service, methods in service_map.items():
        # As get_stub_service_pb_map merges them: stub-only methods join services the production map has.
        names[service] = dict(methods, **stub_exclusive.get(service, {}))
    v4_methods, = _literal_maps(stub_util_path, _SDK_MAPS[1][1])
    names['datastore_v4'] = v4_methods
    for service, methods in NOT_SERVED.items():
        for method in methods:
            names[service].pop(method, None)
    for service, methods in OWN_METHODS.items():
        for method, like in methods.items():
            names[service][method] = names[service][like]
    return names


def _source_path(module_name):
    """The .py file of a module, found without importing it (its package is imported: they are small)."""
    package_name, _, leaf = module_name.rpartition('.')
    package = __import__(package_name, fromlist=['__path__'])
    unused_file, path, unused_description = imp.find_module(leaf, package.__path__)
    if unused_file is not None:
        unused_file.close()
    return os.path.splitext(path)[0] + '.py'


def _literal_maps(source_path, definitions):
    """For each name in `definitions` (a function returning a dict display, or a module-level assignment of
    one), that dict as {service or method: ...} with `module_alias.Class` leaves turned into (module, class)."""
    with open(source_path) as source:
        tree = ast.parse(source.read(), source_path)
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            for alias in node.names:
                aliases[alias.asname or alias.name] = '%s.%s' % (node.module, alias.name)
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name in definitions:
            returns = [statement for statement in node.body if isinstance(statement, ast.Return)]
            found[node.name] = returns[0].value
        elif isinstance(node, ast.Assign) and any(getattr(target, 'id', None) in definitions
                                                  for target in node.targets):
            found[node.targets[0].id] = node.value
    missing = [name for name in definitions if name not in found]
    if missing:
        raise ValueError('%s no longer defines %s' % (source_path, ', '.join(missing)))
    return [_evaluate(found[name], aliases, source_path) for name in definitions]


def _evaluate(node, aliases, source_path):
    if isinstance(node, ast.Dict):
        return dict((_evaluate(key, aliases, source_path), _evaluate(value, aliases, source_path))
                    for key, value in zip(node.keys, node.values))
    if isinstance(node, ast.Tuple):
        return tuple(_evaluate(element, aliases, source_path) for element in node.elts)
    if isinstance(node, ast.Str):
        return node.s
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
        return aliases[node.value.id], node.attr
    raise ValueError('%s line %d: not a map of service methods' % (source_path, node.lineno))
