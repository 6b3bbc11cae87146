"""v3 <-> v1 keys, entities and queries, with the SDK's own converters.

`datastore_pbs` converts keys and entities (every property type and meaning App Engine stored), and
`datastore_query` turns a v3 Query into a v1 RunQueryRequest, as the SDK does when ndb talks v1 itself.
Around them this module only renames App Engine's reserved kinds (reserved_kinds.py) and gives each key an
identity to match a reply's entities with the requested keys.
"""

from google.appengine.api import datastore_errors
from google.appengine.datastore import datastore_pbs
from google.appengine.datastore import datastore_query
from google.appengine.datastore import datastore_rpc
from google.appengine.datastore import entity_pb

from python_compat.apiserver.datastore.cloud import errors
from python_compat.apiserver.datastore.cloud import reserved_kinds
from python_compat.apiserver.datastore.cloud import sdk_v1_messages as v1


def key_identity(v1_key):
    """A hashable identity of a v1 key within one database: namespace and path (the project is implied)."""
    path = tuple((element.kind, element.id, element.name) for element in v1_key.path)
    return v1_key.partition_id.namespace_id, path


class Converter(object):
    """Converts messages of one app served from one project."""

    def __init__(self, resolver):
        self.resolver = resolver
        self._entities = datastore_pbs.get_entity_converter(resolver)
        # datastore_query builds v1 requests through a connection in v1 mode; only its adapter and
        # default configuration are read (no call is ever made through it).
        v1_api = datastore_rpc._CLOUD_DATASTORE_V1  # pylint: disable=protected-access
        self._query_connection = datastore_rpc.Connection(
            adapter=datastore_rpc.IdentityAdapter(resolver), _api_version=v1_api)

    def v1_key(self, v3_reference):
        """The v1 Key of an entity_pb.Reference, reserved kinds renamed."""
        v1_key = v1.Key()
        self._entities.v3_to_v1_key(v3_reference, v1_key)
        reserved_kinds.store_keys([v1_key])
        return v1_key

    def v3_reference(self, v1_key):
        """The entity_pb.Reference of a v1 Key read from the database."""
        reserved_kinds.restore_keys([v1_key])
        v3_reference = entity_pb.Reference()
        self._entities.v1_to_v3_reference(v1_key, v3_reference)
        return v3_reference

    def v1_entity(self, v3_entity):
        """The v1 Entity of an entity_pb.EntityProto; BadRequestError if it cannot be represented."""
        v1_entity = v1.Entity()
        try:
            self._entities.v3_to_v1_entity(v3_entity, v1_entity)
        except datastore_pbs.InvalidConversionError as error:
            raise errors.bad_request(str(error))
        reserved_kinds.store_entity(v1_entity)
        return v1_entity

    def v3_entity(self, v1_entity, is_projection=False):
        """The entity_pb.EntityProto of a v1 Entity read from the database."""
        reserved_kinds.restore_entity(v1_entity)
        v3_entity = entity_pb.EntityProto()
        self._entities.v1_to_v3_entity(v1_entity, v3_entity, is_projection)
        return v3_entity

    def v1_run_query_request(self, v3_query):
        """The v1 RunQueryRequest of a datastore_pb.Query's filters, orders, ancestor, kind, projection and
        distinct; limits, offsets, cursors and read options are the caller's. BadRequestError if v1 cannot
        express the query."""
        if v3_query.shallow():
            raise errors.bad_request('shallow queries are not supported by Cloud Datastore')
        if v3_query.has_read_time_us():
            raise errors.bad_request('read_time is not supported by this Cloud Datastore backend')
        try:
            query = datastore_query.Query._from_pb(v3_query)  # pylint: disable=protected-access
            options = datastore_query.QueryOptions(
                keys_only=bool(v3_query.keys_only()) or None,
                projection=tuple(name.decode('utf-8') for name in v3_query.property_name_list()) or None)
            request = query._to_pb_v1(self._query_connection, options)  # pylint: disable=protected-access
        except (datastore_pbs.InvalidConversionError, datastore_errors.Error) as error:
            raise errors.bad_request('query not supported by Cloud Datastore: %s' % error)
        request.ClearField('read_options')
        reserved_kinds.store_query(request.query)
        return request
