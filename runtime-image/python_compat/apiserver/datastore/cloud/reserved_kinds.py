"""Kinds App Engine reserved for itself, stored under ordinary names in Cloud Datastore.

v1 refuses kinds named `__X__`, yet the SDK's blobstore and images stubs keep their metadata under such
kinds (`__BlobInfo__`, `__BlobUploadSession__`, `__GsFileInfo__`, `__BlobFileIndex__`...). Every such kind is
stored as `_gae__X__` and read back as `__X__`, in keys, key values, query kinds and key filters. The
metadata and statistics kinds (`__kind__`, `__namespace__`, `__property__`, `__entity_group__`,
`__Stat_*__`) are Cloud Datastore's own and pass unchanged.
"""

STORED_PREFIX = '_gae'
_BACKEND_KINDS = frozenset(['__kind__', '__namespace__', '__property__', '__entity_group__'])


def is_reserved(kind):
    """True for a `__X__` kind that v1 refuses to store."""
    return (len(kind) > 4 and kind.startswith('__') and kind.endswith('__') and kind not in _BACKEND_KINDS
            and not kind.startswith('__Stat_'))


def stored_kind(kind):
    """The kind name Cloud Datastore keeps `kind` under."""
    return STORED_PREFIX + kind if is_reserved(kind) else kind


def app_kind(kind):
    """The kind the app knows for a stored kind name (inverse of stored_kind)."""
    if kind.startswith(STORED_PREFIX) and is_reserved(kind[len(STORED_PREFIX):]):
        return kind[len(STORED_PREFIX):]
    return kind


def _rename_key(key, rename):
    for element in key.path:
        kind = element.kind
        if kind.startswith('_'):
            element.kind = rename(kind)


def _rename_value(value, rename):
    value_type = value.WhichOneof('value_type')
    if value_type == 'key_value':
        _rename_key(value.key_value, rename)
    elif value_type == 'entity_value':
        _rename_entity(value.entity_value, rename)
    elif value_type == 'array_value':
        for element in value.array_value.values:
            _rename_value(element, rename)


def _rename_entity(entity, rename):
    if entity.HasField('key'):
        _rename_key(entity.key, rename)
    for value in entity.properties.values():
        _rename_value(value, rename)


def _rename_filter(query_filter, rename):
    filter_type = query_filter.WhichOneof('filter_type')
    if filter_type == 'composite_filter':
        for child in query_filter.composite_filter.filters:
            _rename_filter(child, rename)
    elif filter_type == 'property_filter':
        _rename_value(query_filter.property_filter.value, rename)


def store_keys(keys):
    """Renames reserved kinds in v1 Keys (in place) to their stored names."""
    for key in keys:
        _rename_key(key, stored_kind)


def store_entity(entity):
    """Renames reserved kinds in a v1 Entity's key and key values (in place)."""
    _rename_entity(entity, stored_kind)


def store_query(query):
    """Renames reserved kinds in a v1 Query's kinds and key filters (in place)."""
    for kind in query.kind:
        kind.name = stored_kind(kind.name)
    if query.HasField('filter'):
        _rename_filter(query.filter, stored_kind)


def restore_keys(keys):
    """Renames stored kinds in v1 Keys back to the reserved kinds the app knows (in place)."""
    for key in keys:
        _rename_key(key, app_kind)


def restore_entity(entity):
    """Renames stored kinds in a v1 Entity back to the reserved kinds the app knows (in place)."""
    _rename_entity(entity, app_kind)
