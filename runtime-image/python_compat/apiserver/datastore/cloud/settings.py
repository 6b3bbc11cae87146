"""Which Cloud Datastore database the API server serves, from its settings (the DATASTORE_* variables).

The variables are declared, parsed and checked with every other one in python_compat.config.variables; they are
the API server's own, so the app's processes never see them (the SDK switches ndb to its own v1 mode when
DATASTORE_PROJECT_ID is in a process's environment), and the API server removes them from its own environment
once read (its blobstore and images stubs call the datastore through the SDK too).
"""

SQLITE_BACKEND = 'sqlite'
CLOUD_BACKEND = 'cloud-datastore'
BACKENDS = (SQLITE_BACKEND, CLOUD_BACKEND)


class CloudDatastoreSettings(object):
    """Which Cloud Datastore database to serve, and how to reach it.

    project_id: the project of the database; database_id: '' for the default database.
    emulator_host: `host:port` of an emulator (plain HTTP, no credentials), or None for Google's endpoint.
    additional_app_ids: full app ids (`s~other-app`) that keys in the data may name besides the app's own.
    """

    def __init__(self, project_id, database_id='', emulator_host=None, additional_app_ids=()):
        self.project_id = project_id
        self.database_id = database_id
        self.emulator_host = emulator_host
        self.additional_app_ids = tuple(additional_app_ids)

    def describe(self):
        """`project P, database D, emulator at H` for the log."""
        parts = ['project %s' % self.project_id, 'database %s' % (self.database_id or '(default)')]
        if self.emulator_host:
            parts.append('emulator at %s' % self.emulator_host)
        return ', '.join(parts)


def from_settings(settings):
    """CloudDatastoreSettings when the API server's settings (config.settings.Settings) choose Cloud Datastore,
    else None (the SQLite datastore)."""
    if settings.datastore_backend != CLOUD_BACKEND:
        return None
    return CloudDatastoreSettings(settings.datastore_project_id, settings.datastore_database_id,
                                  settings.datastore_emulator_host, settings.datastore_additional_app_ids)
