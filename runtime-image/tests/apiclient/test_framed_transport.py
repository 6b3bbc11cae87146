"""Framed calls to the container's own API server over its Unix socket: the same answers and errors as over HTTP,
calls that wait for a server that is starting, and pooled connections that survive a restart."""

import threading
import time

import pytest

from google.appengine.api import memcache
from google.appengine.api import apiproxy_stub_map
from google.appengine.api import taskqueue
from google.appengine.api.memcache import memcache_service_pb
from google.appengine.ext import ndb
from google.appengine.runtime import apiproxy_errors

from python_compat import apiclient


class Note(ndb.Model):
    text = ndb.StringProperty()


def test_memcache_values_round_trip(framed_api):
    assert memcache.set('framed-key', {'a': 1})
    assert memcache.get('framed-key') == {'a': 1}
    assert memcache.incr('framed-counter', initial_value=41) == 42


def test_entities_are_stored_queried_and_read(framed_api):
    key = Note(id='framed', text='over the socket').put()

    assert key.get().text == 'over the socket'
    assert [note.key for note in Note.query(Note.text == 'over the socket').fetch()] == [key]


def test_a_services_error_reaches_the_app_as_that_services_exception(framed_api):
    with pytest.raises(taskqueue.UnknownQueueError):
        taskqueue.add(url='/work', queue_name='no-such-queue')


def test_an_unknown_call_is_call_not_found(framed_api):
    rpc = apiproxy_stub_map.UserRPC('memcache')
    rpc.make_call('NoSuchMethod', memcache_service_pb.MemcacheGetRequest(), memcache_service_pb.MemcacheGetResponse())

    with pytest.raises(apiproxy_errors.CallNotFoundError):
        rpc.check_success()


def test_concurrent_calls_each_get_their_own_answer(framed_api):
    for n in range(20):
        memcache.set('concurrent-%d' % n, n)
    rpcs = []
    for n in range(20):
        rpc = memcache.create_rpc()
        memcache.Client().get_multi_async(['concurrent-%d' % n], rpc=rpc)
        rpcs.append(rpc)

    assert [each.get_result() for each in rpcs] == [{'concurrent-%d' % n: n} for n in range(20)]


def test_pooled_connections_survive_a_restart_of_the_server(api_server, framed_api):
    memcache.set('before-restart', 'yes')
    api_server.restart()

    assert memcache.set('after-restart', 'written')
    assert memcache.get('after-restart') == 'written'


def test_a_call_waits_for_a_server_that_starts_within_its_deadline(tmp_path, monkeypatch):
    from api_fixtures import ApiServerProcess, APPLICATION_ID
    monkeypatch.setenv('APPLICATION_ID', APPLICATION_ID)
    server = ApiServerProcess(tmp_path / 'storage', tmp_path / 'log', unix_socket=tmp_path / 'late.sock')
    previous = apiproxy_stub_map.apiproxy
    stub = apiclient.install('127.0.0.1', 1, unix_socket=str(tmp_path / 'late.sock'))
    starter = threading.Timer(0.5, server.start)
    starter.start()
    try:
        started = time.time()
        rpc = memcache.create_rpc(deadline=30)
        memcache.Client().get_multi_async(['late'], rpc=rpc)
        assert rpc.get_result() == {}
        assert time.time() - started >= 0.4
    finally:
        starter.join()
        server.stop()
        stub.channel.close()
        apiproxy_stub_map.apiproxy = previous


def test_the_first_call_to_a_server_not_started_asks_for_it_once_and_waits(tmp_path, monkeypatch):
    from api_fixtures import ApiServerProcess, APPLICATION_ID
    monkeypatch.setenv('APPLICATION_ID', APPLICATION_ID)
    server = ApiServerProcess(tmp_path / 'storage', tmp_path / 'log', unix_socket=tmp_path / 'on-demand.sock')
    starts = []

    def start_server():
        starts.append(threading.Thread(target=server.start))
        starts[-1].start()
    previous = apiproxy_stub_map.apiproxy
    stub = apiclient.install('127.0.0.1', 1, unix_socket=str(tmp_path / 'on-demand.sock'),
                             when_not_listening=start_server)
    try:
        assert memcache.set('asked-for', 'yes') and memcache.get('asked-for') == 'yes'
        assert len(starts) == 1
    finally:
        for thread in starts:
            thread.join()
        server.stop()
        stub.channel.close()
        apiproxy_stub_map.apiproxy = previous
