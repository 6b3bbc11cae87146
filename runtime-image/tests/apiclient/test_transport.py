"""How the client reports a server that is away, slow, or restarted under its pooled connections."""

import contextlib
import re
import socket
import threading
import time

import pytest

from google.appengine.api import apiproxy_stub_map
from google.appengine.api import memcache
from google.appengine.api.memcache import memcache_service_pb
from google.appengine.ext.remote_api import remote_api_pb
from google.appengine.runtime import apiproxy_errors

from api_fixtures import free_port
from python_compat import apiclient


@pytest.fixture
def client_of():
    """Installs the client against an arbitrary port; restores the apiproxy afterwards."""
    previous = apiproxy_stub_map.apiproxy
    yield lambda port: apiclient.install('127.0.0.1', port)
    apiproxy_stub_map.apiproxy = previous


@contextlib.contextmanager
def silent_server():
    """A socket that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(8)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


def memcache_get_rpc(deadline=None):
    """A raw memcache Get (the memcache library itself turns every failure into a miss)."""
    rpc = apiproxy_stub_map.UserRPC('memcache', deadline=deadline)
    request = memcache_service_pb.MemcacheGetRequest()
    request.add_key('key')
    rpc.make_call('Get', request, memcache_service_pb.MemcacheGetResponse())
    return rpc


def test_unreachable_server_is_an_rpc_failure_once_the_calls_time_is_up(client_of):
    client_of(free_port())
    started = time.time()

    with pytest.raises(apiproxy_errors.RPCFailedError):
        memcache_get_rpc(deadline=0.5).check_success()
    assert 0.5 <= time.time() - started < 5


def test_a_call_waits_for_a_server_that_starts_listening_within_its_deadline(client_of):
    port = free_port()
    client_of(port)
    listener = []

    def listen_late():
        time.sleep(0.3)
        listener.append(socket.socket())
        listener[0].setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener[0].bind(('127.0.0.1', port))
        listener[0].listen(1)
    thread = threading.Thread(target=listen_late)
    thread.start()
    try:
        rpc = memcache_get_rpc(deadline=5)
        thread.join()
        connection, _ = listener[0].accept()
        connection.settimeout(5)
        assert connection.recv(4096).startswith('POST /rpc_http HTTP/1.1')
        connection.close()
    finally:
        thread.join()
        for sock in listener:
            sock.close()
    with pytest.raises(apiproxy_errors.RPCFailedError):
        rpc.check_success()


def test_server_that_does_not_answer_in_time_is_a_deadline_error(client_of):
    with silent_server() as port:
        client_of(port)

        with pytest.raises(apiproxy_errors.DeadlineExceededError):
            memcache_get_rpc(deadline=0.2).check_success()


def test_pooled_connection_closed_by_a_server_restart_is_replaced(api, api_server):
    assert memcache.set('before-restart', 1)  # leaves a keep-alive connection in the pool

    api_server.restart()

    assert memcache.set('after-restart', 2)
    assert memcache.get('after-restart') == 2


class ScriptedServer(object):
    """Answers each request it reads with the next of `replies`: raw bytes, or a list of pieces sent one by one
    where None closes the connection. Counts connections and requests."""

    def __init__(self, replies):
        self.replies = list(replies)
        self.connections = 0
        self.requests = []
        self._listener = socket.socket()
        self._listener.bind(('127.0.0.1', 0))
        self._listener.listen(8)
        self.port = self._listener.getsockname()[1]
        thread = threading.Thread(target=self._serve)
        thread.daemon = True
        thread.start()

    def _serve(self):
        while self.replies:
            connection, _ = self._listener.accept()
            self.connections += 1
            received = ''
            while self.replies:
                data = connection.recv(65536)
                if not data:
                    break
                received += data
                head, separator, rest = received.partition('\r\n\r\n')
                length = int(re.search(r'Content-Length: (\d+)', head).group(1)) if separator else -1
                if not separator or len(rest) < length:
                    continue
                self.requests.append(head)
                received = rest[length:]
                reply = self.replies.pop(0)
                pieces = reply if isinstance(reply, list) else [reply]
                if None in pieces:
                    for piece in pieces[:pieces.index(None)]:
                        connection.sendall(piece)
                    break
                for piece in pieces:
                    connection.sendall(piece)
            connection.close()


def memcache_reply(head):
    """A raw HTTP reply carrying a remote_api Response with an empty MemcacheGetResponse, after `head`."""
    body = remote_api_pb.Response()
    body.set_response(memcache_service_pb.MemcacheGetResponse().Encode())
    return head.replace('LENGTH', str(len(body.Encode()))), body.Encode()


def test_reply_arriving_in_pieces_is_read_whole(client_of):
    head, body = memcache_reply('HTTP/1.1 200 OK\r\nContent-Length: LENGTH\r\n\r\n')
    server = ScriptedServer([list(head + body)])
    client_of(server.port)

    memcache_get_rpc().check_success()


def test_chunked_reply_is_decoded(client_of):
    head, body = memcache_reply('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n')
    server = ScriptedServer([head + '%x\r\n%s\r\n0\r\n\r\n' % (len(body), body)])
    client_of(server.port)

    memcache_get_rpc().check_success()


def test_keep_alive_connection_serves_the_next_call(client_of):
    server = ScriptedServer([''.join(memcache_reply('HTTP/1.1 200 OK\r\nContent-Length: LENGTH\r\n\r\n'))] * 2)
    client_of(server.port)

    memcache_get_rpc().check_success()
    memcache_get_rpc().check_success()

    assert (server.connections, len(server.requests)) == (1, 2)


def test_connection_the_server_closes_after_its_reply_is_not_reused(client_of):
    reply = ''.join(memcache_reply('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: LENGTH\r\n\r\n'))
    server = ScriptedServer([reply, reply])  # it keeps the connection open all the same
    client_of(server.port)

    memcache_get_rpc().check_success()
    memcache_get_rpc().check_success()

    assert server.connections == 2


def test_reply_cut_short_is_an_rpc_failure_and_the_call_is_not_sent_again(client_of):
    head, body = memcache_reply('HTTP/1.1 200 OK\r\nContent-Length: LENGTH\r\n\r\n')
    server = ScriptedServer([head + body, [head[:10], None], head + body])
    client_of(server.port)
    memcache_get_rpc().check_success()  # leaves the connection in the pool

    with pytest.raises(apiproxy_errors.RPCFailedError):
        memcache_get_rpc().check_success()

    assert len(server.requests) == 2


def test_request_carries_host_length_and_deadline_headers(client_of):
    server = ScriptedServer([''.join(memcache_reply('HTTP/1.1 200 OK\r\nContent-Length: LENGTH\r\n\r\n'))])
    client_of(server.port)

    memcache_get_rpc(deadline=7).check_success()

    head = server.requests[0]
    assert head.startswith('POST /rpc_http HTTP/1.1\r\n')
    assert 'Host: 127.0.0.1:%d\r\n' % server.port in head
    assert 'X-Google-RPC-Service-Deadline: 7.0' in head
