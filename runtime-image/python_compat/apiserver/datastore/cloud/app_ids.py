"""App ids in keys <-> Cloud Datastore project ids.

v3 keys carry a full app id (`s~my-app`); v1 keys carry only a project id. App Engine stored its data under
the project with the partition dropped, so the app's own id maps to the configured project, and a key
naming another app (a KeyProperty pointing elsewhere) keeps that app's project. Reading back, a project
becomes the app id configured for it (DATASTORE_ADDITIONAL_APP_IDS), else the app's own partition with that
project: every key the app wrote or App Engine wrote comes back as the same app id, so urlsafe keys and
KeyProperty values survive byte for byte.
"""

from google.appengine.datastore import datastore_pbs


class AppIdResolver(datastore_pbs.IdResolver):
    """The SDK converters' IdResolver for one app served from one project."""

    def __init__(self, app_id, project_id, additional_app_ids=()):
        # Not the base constructor: it maps each app id's own project, and the app's may be configured apart.
        self._app_id = app_id
        self._project_id = project_id
        self._partition = app_id.partition('~')[0] if '~' in app_id else None
        self._app_ids_by_project = dict((_project_of(other), other) for other in additional_app_ids)
        self._app_ids_by_project[project_id] = app_id

    def resolve_project_id(self, app_id):
        if app_id == self._app_id:
            return self._project_id
        return _project_of(app_id)

    def resolve_app_id(self, project_id):
        app_id = self._app_ids_by_project.get(project_id)
        if app_id is not None:
            return app_id
        return '%s~%s' % (self._partition, project_id) if self._partition else project_id


def _project_of(app_id):
    return app_id.rpartition('~')[2]
