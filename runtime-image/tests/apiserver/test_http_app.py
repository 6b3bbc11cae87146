"""The API server's HTTP layer: /rpc_http for calls, / for health, nothing else."""

import io

from python_compat.apiserver.http_app import ServiceBridgeApp


class RecordingDispatcher(object):
    def __init__(self):
        self.calls = []

    def execute(self, body, deadline):
        self.calls.append((body, deadline))
        return 'encoded response'


def request(app, method, path, body='', headers=None):
    environ = {'REQUEST_METHOD': method, 'PATH_INFO': path, 'CONTENT_LENGTH': str(len(body)),
               'wsgi.input': io.BytesIO(body)}
    environ.update(headers or {})
    status = []
    content = ''.join(app(environ, lambda s, h: status.append(s)))
    return status[0], content


def test_rpc_post_hands_body_and_deadline_to_the_dispatcher():
    dispatcher = RecordingDispatcher()

    status, body = request(ServiceBridgeApp(dispatcher), 'POST', '/rpc_http', 'call',
                           {'HTTP_X_GOOGLE_RPC_SERVICE_DEADLINE': '5.5'})

    assert (status, body) == ('200 OK', 'encoded response')
    assert dispatcher.calls == [('call', 5.5)]


def test_rpc_without_deadline_header_has_no_deadline():
    dispatcher = RecordingDispatcher()

    request(ServiceBridgeApp(dispatcher), 'POST', '/rpc_http', 'call')

    assert dispatcher.calls == [('call', None)]


def test_bad_deadline_header_is_a_bad_request():
    status, _ = request(ServiceBridgeApp(RecordingDispatcher()), 'POST', '/rpc_http', 'call',
                        {'HTTP_X_GOOGLE_RPC_SERVICE_DEADLINE': 'soon'})

    assert status.startswith('400')


def test_get_on_rpc_path_is_method_not_allowed():
    assert request(ServiceBridgeApp(RecordingDispatcher()), 'GET', '/rpc_http')[0].startswith('405')


def test_health_check_answers_ok():
    assert request(ServiceBridgeApp(RecordingDispatcher()), 'GET', '/') == ('200 OK', 'ok\n')


def test_other_paths_are_not_found():
    assert request(ServiceBridgeApp(RecordingDispatcher()), 'POST', '/other')[0].startswith('404')
