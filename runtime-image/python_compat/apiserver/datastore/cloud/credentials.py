"""Credentials for Cloud Datastore: Application Default Credentials through google-auth.

On Cloud Run, GKE and App Engine Flexible they come from the metadata server (the service's identity);
elsewhere from the service-account key file named by GOOGLE_APPLICATION_CREDENTIALS (or gcloud's user
credentials). An emulator needs none.
"""

DATASTORE_SCOPE = 'https://www.googleapis.com/auth/datastore'


class CredentialsError(Exception):
    """No usable credentials; the message is one line saying what to configure."""


def application_default():
    """google-auth credentials scoped for Cloud Datastore; CredentialsError when none can be found."""
    import google.auth
    from google.auth import exceptions
    try:
        credentials, _ = google.auth.default(scopes=[DATASTORE_SCOPE])
    except exceptions.DefaultCredentialsError as error:
        raise CredentialsError('no Application Default Credentials for Cloud Datastore (set '
                               'GOOGLE_APPLICATION_CREDENTIALS to a service-account key file, or run on Google '
                               'Cloud with a service account): %s' % ' '.join(str(error).split()))
    return credentials
