"""Cloud Datastore v1 over HTTP/1.1: protobuf bodies POSTed to `/v1/projects/{project}:{method}`.

`requests` keeps a pool of keep-alive connections; the API server is monkey-patched by gevent, so every wait
on the network lets the server's other calls run. Each call ends by its deadline (a gevent.Timeout covers
the credential refresh, the connection and the reply), and every failure is a V1Error with a google.rpc code.

A named database must be named in the request and in the partition of every key, fields that
google-cloud-datastore 1.15.5's messages predate; for one, calls go as JSON (the REST API's other encoding)
with `databaseId` added wherever v1 has it.
"""

import json
import time

import gevent
import requests
from google.auth import exceptions as auth_exceptions
from google.protobuf import json_format
from google.rpc import code_pb2
from google.rpc import status_pb2

from python_compat.apiserver.datastore.cloud.errors import V1Error

GOOGLE_ENDPOINT = 'https://datastore.googleapis.com'
CONTENT_TYPE = 'application/x-protobuf'
USER_AGENT = 'python-compat-cloud-datastore'
# Seconds to open a connection, within the call's deadline.
CONNECT_TIMEOUT_SECONDS = 10.0
# Calls that change nothing if repeated: retried on a connection failure or UNAVAILABLE while time remains.
IDEMPOTENT_METHODS = frozenset(['lookup', 'runQuery', 'beginTransaction', 'rollback', 'reserveIds'])
RETRY_DELAYS_SECONDS = (0.05, 0.2, 0.5)
JSON_CONTENT_TYPE = 'application/json'
_CODE_FOR_HTTP_STATUS = {
    400: code_pb2.INVALID_ARGUMENT, 401: code_pb2.UNAUTHENTICATED, 403: code_pb2.PERMISSION_DENIED,
    404: code_pb2.NOT_FOUND, 409: code_pb2.ABORTED, 412: code_pb2.FAILED_PRECONDITION,
    429: code_pb2.RESOURCE_EXHAUSTED, 499: code_pb2.CANCELLED, 500: code_pb2.INTERNAL,
    501: code_pb2.UNIMPLEMENTED, 503: code_pb2.UNAVAILABLE, 504: code_pb2.DEADLINE_EXCEEDED,
}


def endpoint_for(settings):
    """The base URL of the service: the emulator's when one is configured, else Google's."""
    return 'http://%s' % settings.emulator_host if settings.emulator_host else GOOGLE_ENDPOINT


def json_with_database_id(request, database_id):
    """The JSON body of a v1 request with `databaseId` set on the request and on every partition in it."""
    body = json_format.MessageToDict(request)
    _add_database_id(body, database_id)
    body['databaseId'] = database_id
    return json.dumps(body)


def _add_database_id(value, database_id):
    if isinstance(value, dict):
        for name, child in value.items():
            if name == 'partitionId':
                child['databaseId'] = database_id
            else:
                _add_database_id(child, database_id)
    elif isinstance(value, list):
        for child in value:
            _add_database_id(child, database_id)


class V1Transport(object):
    """Calls one database's v1 methods; thread- and greenlet-safe."""

    def __init__(self, settings, credentials=None, session=None):
        self.endpoint = endpoint_for(settings)
        self._url_prefix = '%s/v1/projects/%s:' % (self.endpoint, settings.project_id)
        self._database_id = settings.database_id
        self._credentials = credentials
        self._session = session or requests.Session()
        self._auth_request = None
        if credentials is not None:
            from google.auth.transport import requests as auth_requests
            self._auth_request = auth_requests.Request(self._session)
        routing = 'project_id=%s' % settings.project_id
        if settings.database_id:
            routing += '&database_id=%s' % settings.database_id
        self._headers = {'Content-Type': CONTENT_TYPE, 'Accept': CONTENT_TYPE, 'User-Agent': USER_AGENT,
                         # How Google's front end routes a call to a named database.
                         'x-goog-request-params': routing}

    def call(self, method, request, response_class, deadline_seconds):
        """Sends `request` (a v1 message) to `method` (`lookup`, `commit`...); returns the parsed reply.

        Raises V1Error: the server's status, DEADLINE_EXCEEDED when `deadline_seconds` pass first,
        UNAVAILABLE when the service cannot be reached.
        """
        if self._database_id:
            body, content_type = json_with_database_id(request, self._database_id), JSON_CONTENT_TYPE
        else:
            body, content_type = request.SerializeToString(), CONTENT_TYPE
        give_up = time.time() + deadline_seconds
        delays = list(RETRY_DELAYS_SECONDS) if method in IDEMPOTENT_METHODS else []
        while True:
            try:
                return self._parse(self._post(method, body, content_type, give_up), response_class)
            except V1Error as error:
                if not delays or error.code != code_pb2.UNAVAILABLE or time.time() + delays[0] >= give_up:
                    raise
            gevent.sleep(delays.pop(0))

    def _parse(self, content, response_class):
        if not self._database_id:
            return response_class.FromString(content)
        # Replies name the database in every key's partition too: not a field these messages know.
        return json_format.Parse(content, response_class(), ignore_unknown_fields=True)

    def _post(self, method, body, content_type, give_up):
        remaining = give_up - time.time()
        if remaining <= 0:
            raise V1Error(code_pb2.DEADLINE_EXCEEDED, 'the call\'s deadline passed before %s was sent' % method)
        timeout = gevent.Timeout(remaining)
        timeout.start()
        try:
            headers = dict(self._headers, **{'Content-Type': content_type, 'Accept': content_type})
            if self._credentials is not None:
                self._credentials.before_request(self._auth_request, 'POST', self._url_prefix + method, headers)
            reply = self._session.post(self._url_prefix + method, data=body, headers=headers,
                                       timeout=(min(CONNECT_TIMEOUT_SECONDS, remaining), remaining))
            content = reply.content
        except gevent.Timeout as fired:
            if fired is not timeout:
                raise
            raise V1Error(code_pb2.DEADLINE_EXCEEDED, 'Cloud Datastore did not answer %s within %.1f s'
                          % (method, remaining))
        except requests.exceptions.Timeout:
            raise V1Error(code_pb2.DEADLINE_EXCEEDED, 'Cloud Datastore did not answer %s within %.1f s'
                          % (method, remaining))
        except (requests.exceptions.RequestException, IOError) as error:
            raise V1Error(code_pb2.UNAVAILABLE, 'cannot reach Cloud Datastore at %s: %s' % (self.endpoint, error))
        except auth_exceptions.TransportError as error:
            raise V1Error(code_pb2.UNAVAILABLE, 'cannot refresh the Cloud Datastore credentials: %s' % error)
        except auth_exceptions.GoogleAuthError as error:
            raise V1Error(code_pb2.UNAUTHENTICATED, 'the Cloud Datastore credentials were refused: %s' % error)
        finally:
            timeout.cancel()
        if reply.status_code == 200:
            return content
        raise _error_from(reply.status_code, reply.headers.get('Content-Type', ''), content)


def _error_from(http_status, content_type, content):
    """The V1Error of a non-200 reply: the status in its body (a google.rpc.Status, or the JSON error of a JSON
    call), else one from the HTTP status."""
    try:
        if content_type.startswith(CONTENT_TYPE):
            status = status_pb2.Status.FromString(content)
            if status.code:
                return V1Error(status.code, status.message)
        elif content_type.startswith(JSON_CONTENT_TYPE):
            error = json.loads(content)['error']
            return V1Error(code_pb2.Code.Value(error['status']), error.get('message', ''))
    except Exception:  # pylint: disable=broad-except
        pass  # a body that says nothing usable: fall back to the HTTP status
    code = _CODE_FOR_HTTP_STATUS.get(http_status, code_pb2.UNKNOWN)
    text = content[:200].decode('utf-8', 'replace') if isinstance(content, bytes) else content
    return V1Error(code, 'HTTP %d from Cloud Datastore: %s' % (http_status, ' '.join(text.split())))
