"""What the SDK's v1 converters import as `googledatastore`, made of google-cloud-datastore's own v1 protos.

`google.appengine.datastore.datastore_pbs` and `datastore_query` convert between v3 and Cloud Datastore v1
only when `import googledatastore` finds a version >= 6 at the moment they are first imported. That package
(and the oauth2client/httplib2 stack it pulls in) is sdist-only and blocks under gevent; the converters only
need its message classes, enums and two timestamp helpers, which google-cloud-datastore 1.15.5 carries as
complete v1 protos. `install()` registers this module under that name in the API server process only (the
app's processes never see it, so ndb there never switches to its own v1 mode).
"""

import sys

from google.cloud.datastore_v1.proto import datastore_pb2
from google.cloud.datastore_v1.proto import entity_pb2
from google.cloud.datastore_v1.proto import query_pb2
from google.protobuf import struct_pb2
from google.rpc import code_pb2  # noqa: F401  pylint: disable=unused-import  (the SDK reads googledatastore.code_pb2)

MODULE_NAME = 'googledatastore'
# The SDK enables its converters for googledatastore >= 6.0.0; this stands in for the 7.x message set.
VERSION = (7, 0, 0)
NULL_VALUE = struct_pb2.NULL_VALUE


def _export_messages(*modules):
    names = {}
    for module in modules:
        descriptor = module.DESCRIPTOR
        for name in list(descriptor.message_types_by_name) + list(descriptor.enum_types_by_name):
            names[name] = getattr(module, name)
    return names


globals().update(_export_messages(entity_pb2, query_pb2, datastore_pb2))


class helper(object):  # pylint: disable=invalid-name,too-few-public-methods
    """The two functions of googledatastore.helper the converters call (timestamps <-> microseconds)."""

    @staticmethod
    def micros_from_timestamp(timestamp):
        return timestamp.seconds * 1000000 + timestamp.nanos // 1000

    @staticmethod
    def micros_to_timestamp(micros, timestamp):
        seconds, remainder = divmod(micros, 1000000)
        timestamp.seconds = seconds
        timestamp.nanos = remainder * 1000


def install():
    """Makes `import googledatastore` give this module; must run before the SDK's datastore modules are
    imported. Raises RuntimeError if they were imported first (their v1 support is decided at import)."""
    sdk_pbs = sys.modules.get('google.appengine.datastore.datastore_pbs')
    if sdk_pbs is not None and not sdk_pbs._CLOUD_DATASTORE_ENABLED:  # pylint: disable=protected-access
        raise RuntimeError('the SDK datastore modules were imported before the Cloud Datastore messages were '
                           'installed; install them first')
    sys.modules.setdefault(MODULE_NAME, sys.modules[__name__])
