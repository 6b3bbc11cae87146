"""The API server's HTTP handling: API calls on keep-alive connections, mixed with its other requests."""

import contextlib
import socket

from google.appengine.api.memcache import memcache_service_pb
from google.appengine.ext.remote_api import remote_api_pb



def memcache_get_call():
    request = remote_api_pb.Request()
    request.set_service_name('memcache')
    request.set_method('Get')
    get = memcache_service_pb.MemcacheGetRequest()
    get.add_key('absent')
    request.set_request(get.Encode())
    return request.Encode()


def call_request(body, extra_headers=''):
    return ('POST /rpc_http HTTP/1.1\r\nHost: api\r\nContent-Type: application/octet-stream\r\n%s'
            'Content-Length: %d\r\n\r\n%s' % (extra_headers, len(body), body))


@contextlib.contextmanager
def connection_to(server):
    sock = socket.create_connection(('127.0.0.1', server.port), timeout=10)
    try:
        yield sock
    finally:
        sock.close()


def read_reply(sock):
    """(status line, {lowercase header: value}, body) of one Content-Length reply; None if closed first."""
    data = ''
    while '\r\n\r\n' not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition('\r\n\r\n')
    lines = head.split('\r\n')
    headers = dict((name.lower(), value.strip()) for name, _, value in (line.partition(':') for line in lines[1:]))
    while len(body) < int(headers['content-length']):
        body += sock.recv(65536)
    return lines[0], headers, body


def memcache_response(body):
    response = remote_api_pb.Response(body)
    assert not response.has_rpc_error() and not response.has_application_error()
    return memcache_service_pb.MemcacheGetResponse(response.response())


def test_calls_on_one_keep_alive_connection_each_get_a_complete_reply(api_server):
    with connection_to(api_server) as sock:
        for _ in range(3):
            sock.sendall(call_request(memcache_get_call()))
            status, _, body = read_reply(sock)

            assert status == 'HTTP/1.1 200 OK'
            assert memcache_response(body).item_size() == 0


def test_call_asking_to_close_is_answered_then_closed(api_server):
    with connection_to(api_server) as sock:
        sock.sendall(call_request(memcache_get_call(), 'Connection: close\r\n'))

        _, headers, _ = read_reply(sock)

        assert headers['connection'] == 'close'
        assert sock.recv(1) == ''


def test_chunked_call_body_is_read(api_server):
    body = memcache_get_call()
    with connection_to(api_server) as sock:
        sock.sendall('POST /rpc_http HTTP/1.1\r\nHost: api\r\nTransfer-Encoding: chunked\r\n\r\n'
                     '%x\r\n%s\r\n0\r\n\r\n' % (len(body), body))

        status, _, body = read_reply(sock)

        assert status == 'HTTP/1.1 200 OK'
        memcache_response(body)


def test_health_check_after_a_call_on_the_same_connection(api_server):
    with connection_to(api_server) as sock:
        sock.sendall(call_request(memcache_get_call()))
        read_reply(sock)
        sock.sendall('GET /_ah/health HTTP/1.1\r\nHost: api\r\n\r\n')

        status, _, body = read_reply(sock)

        assert (status, body) == ('HTTP/1.1 200 OK', 'ok\n')


def test_malformed_call_header_is_a_bad_request(api_server):
    with connection_to(api_server) as sock:
        sock.sendall('POST /rpc_http HTTP/1.1\r\nno colon here\r\n\r\n')

        assert read_reply(sock)[0].startswith('HTTP/1.1 400')
