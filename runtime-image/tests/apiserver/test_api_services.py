"""The other App Engine services through the API server, and calls that overlap."""

import time
import uuid
import StringIO

import pytest
from PIL import Image

from google.appengine.api import app_identity
from google.appengine.api import capabilities
from google.appengine.api import images
from google.appengine.api import mail
from google.appengine.api import memcache
from google.appengine.api import oauth
from google.appengine.api import search
from google.appengine.api import taskqueue
from google.appengine.api import urlfetch

from api_fixtures import SLOW_RESPONSE_SECONDS, slow_http_server
def test_urlfetch_fetches_from_a_server_the_test_started(api):
    with slow_http_server() as url:
        result = urlfetch.fetch(url, deadline=10)

    assert (result.status_code, result.content) == (200, 'slow')


def test_slow_call_does_not_stall_a_concurrent_fast_one(api):
    memcache.set('concurrency-probe', 'fast')
    with slow_http_server() as url:
        slow_call = urlfetch.create_rpc(deadline=10)
        urlfetch.make_fetch_call(slow_call, url)
        time.sleep(0.2)  # the fetch is now waiting on the slow server, inside the API server

        started = time.time()
        assert memcache.get('concurrency-probe') == 'fast'
        fast_call_seconds = time.time() - started

        assert slow_call.get_result().content == 'slow'
    assert fast_call_seconds < SLOW_RESPONSE_SECONDS / 3


def test_app_identity_names_the_app_and_issues_a_token(api):
    token, expires = app_identity.get_access_token('https://www.googleapis.com/auth/cloud-platform')

    assert token
    assert expires > time.time()
    assert app_identity.get_service_account_name()
    assert app_identity.get_application_id() == 'apitest'


def test_oauth_names_no_user_for_any_request(api):
    # The SDK's stub named a fixed test user for every request, which would pass any app's OAuth check.
    with pytest.raises(oauth.OAuthRequestError):
        oauth.get_current_user()
    with pytest.raises(oauth.OAuthRequestError):
        oauth.is_current_user_admin()


def test_no_caller_can_set_the_oauth_user(api):
    from google.appengine.api import user_stub_service_pb
    from google.appengine.api import api_base_pb
    from google.appengine.api import apiproxy_stub_map
    from google.appengine.runtime import apiproxy_errors
    request = user_stub_service_pb.SetOAuthUserRequest()
    request.set_email('attacker@example.com')
    request.set_is_admin(True)

    with pytest.raises(apiproxy_errors.CallNotFoundError):
        apiproxy_stub_map.MakeSyncCall('user', 'SetOAuthUser', request, api_base_pb.VoidProto())
    with pytest.raises(oauth.OAuthRequestError):
        oauth.get_current_user()


def test_search_index_put_then_query_finds_the_document(api):
    index = search.Index(name='index-%s' % uuid.uuid4().hex[:8])
    index.put([search.Document(doc_id='d1', fields=[search.TextField(name='body', value='purple elephant')]),
               search.Document(doc_id='d2', fields=[search.TextField(name='body', value='green frog')])])

    results = index.search('elephant')

    assert [doc.doc_id for doc in results] == ['d1']


def test_mail_is_captured_and_logged(api, api_server):
    subject = 'subject-%s' % uuid.uuid4().hex
    mail.send_mail(sender='app@example.com', to='user@example.com', subject=subject, body='mail body')

    give_up = time.time() + 5
    while subject not in api_server.log() and time.time() < give_up:
        time.sleep(0.05)
    assert subject in api_server.log()
    assert 'user@example.com' in api_server.log()


def test_taskqueue_add_stores_the_task(api):
    queue = taskqueue.Queue('default')
    before = queue.fetch_statistics().tasks

    task = queue.add(taskqueue.Task(url='/work', params={'n': '1'}))

    assert task.name
    assert queue.fetch_statistics().tasks == before + 1


def test_taskqueue_unknown_queue_is_an_error(api):
    with pytest.raises(taskqueue.UnknownQueueError):
        taskqueue.Queue('no-such-queue').add(taskqueue.Task(url='/work'))


def test_images_resize_of_a_png(api):
    png = StringIO.StringIO()
    Image.new('RGB', (40, 20), 'red').save(png, 'PNG')

    resized = images.resize(png.getvalue(), width=10, output_encoding=images.PNG)

    assert Image.open(StringIO.StringIO(resized)).size == (10, 5)


def test_capabilities_report_datastore_writes_enabled(api):
    assert capabilities.CapabilitySet('datastore_v3', capabilities=['write']).is_enabled()
