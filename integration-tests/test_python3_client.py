"""Python 3 apps on Google's `appengine-python-standard` SDK use our API server container unchanged: datastore
and memcache calls from this (Python 3) test process, and data shared with a python27 app on the same server.

The SDK sends API calls only while a request's security ticket is active; outside a WSGI request the ticket
comes from the environment (the SDK reads its request context from os.environ by default) once the thread has
been told to use it. The API server authenticates its callers: the calls are signed with
examples/python3-client/python_compat_api_signing.py, the module the documentation tells Python 3 apps to copy.
"""

import sys
import uuid

import pytest
from google.appengine.api import apiproxy_stub_map
from google.appengine.api import memcache
from google.appengine.ext import ndb
from google.appengine.runtime import apiproxy_errors
from google.appengine.runtime import default_api_stub

from api_server_container import API_PORT, API_SERVER_SECRET, api_server_container
from conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / 'examples' / 'python3-client'))
import python_compat_api_signing  # noqa: E402  (the documented module, where an app owner would copy it)

APP_ID = 'dev~python3-client'


class Note(ndb.Model):
    text = ndb.StringProperty()
    position = ndb.IntegerProperty()


@pytest.fixture(scope='module')
def api_server(docker_client, runtime_image, bridge_network):
    with api_server_container(docker_client, runtime_image, bridge_network, app_id=APP_ID) as container:
        yield container


@pytest.fixture(scope='module', autouse=True)
def python3_sdk(api_server):
    """Routes this process's App Engine API calls to the API server container, as a Python 3 app's would be."""
    published_port = api_server.ports['%d/tcp' % API_PORT][0]['HostPort']
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {'API_HOST': '127.0.0.1', 'API_PORT': published_port, 'APPLICATION_ID': APP_ID,
                            'GAE_APPLICATION': APP_ID,
                            'HTTP_X_APPENGINE_API_TICKET': 'python3-client-' + uuid.uuid4().hex}.items():
            patch.setenv(name, value)
        default_api_stub.DefaultApiStub.SetUseRequestSecurityTicketForThread(True)
        python_compat_api_signing.install(API_SERVER_SECRET)
        # Every read goes to the server: no answers from ndb's in-process cache or its memcache layer.
        context = ndb.get_context()
        context.set_cache_policy(False)
        context.set_memcache_policy(False)
        yield
        default_api_stub.DefaultApiStub.SetUseRequestSecurityTicketForThread(False)


@pytest.fixture
def unique():
    return uuid.uuid4().hex[:10]


def test_ndb_put_get_and_delete(unique):
    key = Note(id=unique, text='hello', position=1).put()
    assert key.get().text == 'hello'
    key.delete()
    assert key.get() is None


def test_ndb_property_and_ancestor_queries(unique):
    parent = ndb.Key('Owner', unique)
    ndb.put_multi([Note(parent=parent, text=unique, position=n) for n in range(5)] + [Note(text=unique, position=9)])
    assert [n.position for n in Note.query(ancestor=parent).order(Note.position)] == [0, 1, 2, 3, 4]
    assert Note.query(Note.text == unique).count() == 6
    assert [n.position for n in Note.query(Note.text == unique, Note.position >= 3).order(Note.position)] == \
        [3, 4, 9]


def test_a_cross_group_transaction_commits_both_entity_groups(unique):
    @ndb.transactional(xg=True)
    def move():
        return Note(id=unique + 'a', position=1).put(), Note(id=unique + 'b', position=2).put()

    first, second = move()
    assert [note.position for note in ndb.get_multi([first, second])] == [1, 2]


def test_a_transaction_that_raises_writes_nothing(unique):
    @ndb.transactional
    def fail():
        Note(id=unique, position=1).put()
        raise ValueError('abandon')

    with pytest.raises(ValueError):
        fail()
    assert Note.get_by_id(unique) is None


def test_memcache_set_get_add_and_delete(unique):
    assert memcache.set(unique, 'first') is True
    assert memcache.add(unique, 'second') is False
    assert memcache.get(unique) == 'first'
    assert memcache.delete(unique) == memcache.DELETE_SUCCESSFUL
    assert memcache.get(unique) is None


def test_memcache_multi_calls_and_namespaces(unique):
    assert memcache.set_multi({'a': 1, 'b': [2]}, key_prefix=unique) == []
    assert memcache.get_multi(['a', 'b', 'c'], key_prefix=unique) == {'a': 1, 'b': [2]}
    memcache.set(unique, 'in namespace', namespace='other')
    assert memcache.get(unique) is None
    assert memcache.get(unique, namespace='other') == 'in namespace'


def test_memcache_cas_fails_after_another_write(unique):
    first, second = memcache.Client(), memcache.Client()
    memcache.set(unique, 'v1')
    assert first.gets(unique) == 'v1'
    assert second.gets(unique) == 'v1'
    assert first.cas(unique, 'v2') is True
    assert second.cas(unique, 'v3') is False
    assert memcache.get(unique) == 'v2'


def test_memcache_incr_of_a_missing_key(unique):
    assert memcache.incr(unique) is None
    assert memcache.incr(unique, initial_value=10) == 11
    assert memcache.decr(unique, delta=5) == 6


def test_calls_the_sdk_sends_unsigned_are_refused(unique):
    signed = apiproxy_stub_map.apiproxy.GetStub('datastore_v3')
    apiproxy_stub_map.apiproxy.SetDefaultStub(default_api_stub.DefaultApiStub())
    try:
        with pytest.raises(apiproxy_errors.RPCFailedError) as raised:
            Note.get_by_id(unique, use_cache=False, use_memcache=False)
    finally:
        apiproxy_stub_map.apiproxy.SetDefaultStub(signed)

    assert '401' in str(raised.value)


def test_a_python27_app_and_a_python3_client_share_entities_and_memcache(
        app_image, start_app, api_server, bridge_network, unique):
    Note(id=unique, text='from python 3').put()
    environment = {'API_HOST': api_server.name, 'API_PORT': str(API_PORT), 'APPLICATION_ID': APP_ID,
                   'API_SERVER_SECRET': API_SERVER_SECRET}
    with start_app(app_image('api-shared-state'), environment=environment, network=bridge_network.name) as app:
        assert app.get('/note/get', params={'name': unique}).json()['text'] == 'from python 3'
        assert app.get('/value/set', params={'name': unique, 'text': 'from python 2.7'}).json()['stored'] is True
    # A python27 `str` is bytes to Python 3, as on App Engine.
    assert memcache.get(unique) == b'from python 2.7'
