"""An API server on a network authenticates its callers: from another container on the same network, calls to every
service without a signature, with a wrong one, replayed or with another body are refused, and no task they try to
enqueue reaches the app; the app containers, which have API_SERVER_SECRET, are served.

Set-up on a bridge network of the test's own: the API server container (API_SERVER_SECRET, INTERNAL_REQUEST_SECRET,
push tasks sent to the app), the tasks-cron app as its only client, and an `attacker` container of the runtime image
that runs the Python 2.7 script below with the SDK's protocol buffers.
"""

import json
import textwrap
import time
import uuid

import pytest

from api_server_container import API_PORT, API_SERVER_SECRET, api_server_container

INTERNAL_REQUEST_SECRET = 'internal-' + uuid.uuid4().hex
APP_ID = 'dev~auth-test'
ATTACKER_TIMEOUT_SECONDS = 300

# Sends every call of every service the server knows, and uploads, in the ways an attacker could; prints the HTTP
# status of each. TASK_BODY is a taskqueue Add of a push task to the app's /task/record.
ATTACKER_SCRIPT = textwrap.dedent('''\
    import hashlib, httplib, hmac, json, os, sys, time
    from google.appengine.api.taskqueue import taskqueue_service_pb
    from google.appengine.ext.remote_api import remote_api_pb
    from python_compat.apiserver import service_methods

    HOST, PORT = os.environ['API_SERVER'], int(os.environ['API_PORT'])

    def call_body(service, method, request=''):
        call = remote_api_pb.Request()
        call.set_service_name(service)
        call.set_method(method)
        call.set_request(request)
        call.set_request_id('attacker')
        return call.Encode()

    def task_body(tag):
        add = taskqueue_service_pb.TaskQueueAddRequest()
        add.set_queue_name('default')
        add.set_task_name('')
        add.set_eta_usec(0)
        add.set_url('/task/record')
        add.set_method(taskqueue_service_pb.TaskQueueAddRequest.POST)
        add.set_body('tag=' + tag)
        header = add.add_header()
        header.set_key('Content-Type')
        header.set_value('application/x-www-form-urlencoded')
        return call_body('taskqueue', 'Add', add.Encode())

    def signature(secret, body, path='/rpc_http', timestamp=None):
        timestamp, nonce = str(int(timestamp or time.time())), os.urandom(12).encode('hex')
        digest = hashlib.sha256(body).hexdigest()
        text = '\\n'.join(('v1', timestamp, nonce, 'POST', path, '', digest))
        return ' '.join(('v1', timestamp, nonce, digest, hmac.new(secret, text, hashlib.sha256).hexdigest()))

    def post(body, header=None, path='/rpc_http'):
        connection = httplib.HTTPConnection(HOST, PORT, timeout=30)
        headers = {'Content-Type': 'application/octet-stream'}
        if header:
            headers['X-Python-Compat-Api-Signature'] = header
        connection.request('POST', path, body, headers)
        status = connection.getresponse().status
        connection.close()
        return status

    WRONG = 'w' * 64
    result = {'unsigned': {}, 'wrong secret': {}, 'expired': {}}
    for service, methods in sorted(service_methods.read_sdk_method_names().items()):
        for method in sorted(methods):
            body = task_body('attacker-' + service) if (service, method) == ('taskqueue', 'Add') \\
                else call_body(service, method)
            name = service + '.' + method
            result['unsigned'][name] = post(body)
            result['wrong secret'][name] = post(body, signature(WRONG, body))
            result['expired'][name] = post(body, signature(os.environ['CAPTURED_SECRET'], body,
                                                           timestamp=time.time() - 120))
    result['upload unsigned'] = post('file', path='/_ah/upload/session')
    result['upload wrong secret'] = post('file', signature(WRONG, 'file', '/_ah/upload/session'),
                                         path='/_ah/upload/session')
    # A call the app signed, seen on the network: it runs once; sent again, or with another body, it is refused.
    captured_body = task_body('captured')
    captured = signature(os.environ['CAPTURED_SECRET'], captured_body)
    result['captured, first'] = post(captured_body, captured)
    result['captured, replayed'] = post(captured_body, captured)
    result['captured, other body'] = post(task_body('tampered'), signature(os.environ['CAPTURED_SECRET'],
                                                                          captured_body))
    print(json.dumps(result))
    ''')


@pytest.fixture(scope='module')
def deployment(docker_client, runtime_image, app_image, start_app, bridge_network):
    """(app, api server container) on the test's network; the app is the server's push task target."""
    app_name, api_name = 'app-' + uuid.uuid4().hex[:12], 'api-' + uuid.uuid4().hex[:12]
    secrets = {'INTERNAL_REQUEST_SECRET': INTERNAL_REQUEST_SECRET}
    with api_server_container(docker_client, runtime_image, bridge_network, APP_ID, name=api_name,
                              environment=dict(secrets, TASK_TARGET_URL='http://%s:8080' % app_name)) as api:
        environment = dict(secrets, API_HOST=api_name, API_PORT=str(API_PORT), APPLICATION_ID=APP_ID,
                           API_SERVER_SECRET=API_SERVER_SECRET)
        with start_app(app_image('tasks-cron'), environment=environment, network=bridge_network.name,
                       name=app_name) as app:
            yield app, api


def attack(docker_client, runtime_image, bridge_network, api):
    container = docker_client.containers.run(
        runtime_image, ['python', '-c', ATTACKER_SCRIPT], network=bridge_network.name, detach=True,
        environment={'API_SERVER': api.name, 'API_PORT': str(API_PORT), 'CAPTURED_SECRET': API_SERVER_SECRET})
    try:
        status = container.wait(timeout=ATTACKER_TIMEOUT_SECONDS)
        output = container.logs(stdout=True, stderr=False).decode()
        assert status['StatusCode'] == 0, container.logs().decode()[-3000:]
    finally:
        container.remove(force=True)
    return json.loads(output.strip().splitlines()[-1])


def pushed_tags(app, wanted, timeout=30):
    """The tags of the push tasks the app has run, once every tag in `wanted` is among them (or at the timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        tags = [record['tag'] for record in app.get('/records?kind=push').json()]
        if set(wanted) <= set(tags) or time.monotonic() > deadline:
            return tags
        time.sleep(0.3)


def test_calls_from_the_network_without_the_secret_are_refused_and_no_task_reaches_the_app(
        docker_client, runtime_image, bridge_network, deployment):
    app, api = deployment

    result = attack(docker_client, runtime_image, bridge_network, api)
    assert app.get('/enqueue/push?tag=from-the-app').status_code == 200
    tags = pushed_tags(app, ['from-the-app', 'captured'])
    time.sleep(2)  # time for any task that should not exist to arrive too
    tags = pushed_tags(app, [])

    for attempt in ('unsigned', 'wrong secret', 'expired'):
        assert len(result[attempt]) > 50, 'every method of every service was tried'
        assert set(result[attempt].values()) == {401}, attempt
    assert {'datastore_v3.Put', 'taskqueue.Add', 'memcache.Set', 'mail.Send', 'urlfetch.Fetch'} <= set(
        result['unsigned'])
    assert (result['upload unsigned'], result['upload wrong secret']) == (401, 401)
    assert (result['captured, first'], result['captured, replayed'], result['captured, other body']) == (
        200, 401, 401)
    assert sorted(tags) == ['captured', 'from-the-app']


def test_the_server_logs_the_refusals_without_flooding(docker_client, runtime_image, bridge_network, deployment):
    _, api = deployment

    log = api.logs().decode()

    refusal_lines = [line for line in log.splitlines() if 'unauthenticated request' in line]
    assert 1 <= len(refusal_lines) <= 3
    assert API_SERVER_SECRET not in log and INTERNAL_REQUEST_SECRET not in log


def test_the_server_will_not_listen_beyond_loopback_without_a_secret(docker_client, runtime_image):
    output = docker_client.containers.run(
        runtime_image, ['api-server', '--app-id', 'x', '--host', '0.0.0.0'], network_mode='none',
        stderr=True, detach=True)
    try:
        assert output.wait(timeout=60)['StatusCode'] == 2
        assert 'set API_SERVER_SECRET' in output.logs().decode()
    finally:
        output.remove(force=True)
