"""The Cloud Datastore backend of the API server's datastore_v3 service (DATASTORE_BACKEND=cloud-datastore).

Apps keep calling ndb/db unchanged; each datastore_v3 call is translated to Cloud Datastore v1 (Firestore
in Datastore mode) with the SDK's own converters. See settings.py for the variables, stub.py for the calls.

Order matters: `install_sdk_v1_support()` must run before anything imports the SDK's datastore modules;
`create_stub()` after. Nothing heavy is imported here, so the serving process can read the settings.
"""


def install_sdk_v1_support():
    """Gives the SDK's v3<->v1 converters the v1 messages they import (see sdk_v1_messages)."""
    import warnings
    # google-cloud-datastore's package imports google-auth and so `cryptography`, which warns on every Python 2
    # start: two lines of stderr before anything the API server says (a start-up error's one line included).
    warnings.filterwarnings('ignore', message='Python 2 is no longer supported by the Python core team')
    from python_compat.apiserver.datastore.cloud import sdk_v1_messages
    sdk_v1_messages.install()


def create_stub(app_id, settings):
    """A CloudDatastoreStub for `app_id` on the database `settings` (CloudDatastoreSettings) names.

    Looks up Application Default Credentials unless an emulator is configured; StartupError (one line)
    when there are none.
    """
    from python_compat.apiserver.datastore.cloud import credentials
    from python_compat.apiserver.datastore.cloud import stub
    from python_compat.apiserver.datastore.cloud import transport
    from python_compat.errors import StartupError
    found = None
    if settings.emulator_host is None:
        try:
            found = credentials.application_default()
        except credentials.CredentialsError as error:
            raise StartupError('environment', 'GOOGLE_APPLICATION_CREDENTIALS', str(error))
    return stub.CloudDatastoreStub(app_id, settings, transport.V1Transport(settings, found))
