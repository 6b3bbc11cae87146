"""handoff: the app's process gets hashes of the secrets it checks, never the secrets; the API server gets them on
its standard input."""

import hashlib
import io

import pytest

from python_compat.config.settings import Settings
from python_compat.supervisor import handoff


def test_the_apps_environment_holds_hashes_and_no_secret():
    environ = {'PROXY_SECRET': 'proxy-secret', 'IDENTITY_SOURCE': 'proxy', 'PORT': '8080'}
    settings = Settings(environ)

    handed = handoff.app_environment(environ, settings, 'token-sha256', '/tmp/status')

    assert handed == {'IDENTITY_SOURCE': 'proxy', 'PORT': '8080', 'INTERNAL_TOKEN_SHA256': 'token-sha256',
                      'CONTAINER_STATUS_FILE': '/tmp/status',
                      'PROXY_SECRET_SHA256': hashlib.sha256('proxy-secret').hexdigest()}


def test_the_app_process_reads_the_handed_hash_as_its_proxy_secret():
    handed = handoff.app_environment({'IDENTITY_SOURCE': 'proxy'}, Settings({'PROXY_SECRET': 'x'}), 'sha', 'path')

    settings = Settings(handed)

    assert (settings.proxy_secret, settings.proxy_secret_sha256) == (None, hashlib.sha256('x').hexdigest())
    assert 'PROXY_SECRET_SHA256' not in handed and 'INTERNAL_TOKEN_SHA256' not in handed


def test_the_api_servers_secrets_travel_as_one_json_object_and_the_stream_is_closed():
    settings = Settings({'API_SERVER_SECRET': 'a' * 32, 'APPENGINE_SMTP_PASSWORD': 'mail-password',
                         'APPENGINE_SMTP_HOST': 'smtp'})
    stream = io.BytesIO(handoff.api_server_secrets('the-token', settings, settings.api_server_environment))

    assert handoff.read_secrets(stream) == {'INTERNAL_REQUEST_SECRET': 'the-token', 'API_SERVER_SECRET': 'a' * 32,
                                            'APPENGINE_SMTP_PASSWORD': 'mail-password'}
    assert stream.closed
    assert handoff.without_secrets(settings.api_server_environment) == {'APPENGINE_SMTP_HOST': 'smtp'}


def test_the_apps_one_secret_is_the_api_server_secret_it_signs_calls_with():
    assert handoff.read_secrets(io.BytesIO(handoff.app_secrets(Settings({'API_SERVER_SECRET': 'b' * 32})))) == {
        'API_SERVER_SECRET': 'b' * 32}
    assert handoff.read_secrets(io.BytesIO(handoff.app_secrets(Settings({})))) == {}


def test_the_app_is_told_whom_to_ask_for_its_own_api_server_and_asks_once(monkeypatch):
    sent = []
    monkeypatch.setattr(handoff.os, 'kill', lambda pid, signum: sent.append((pid, signum)))
    embedded = handoff.app_environment({}, Settings({}), 'sha', 'path', api_unix_socket='/tmp/api.sock')
    external = handoff.app_environment({}, Settings({}), 'sha', 'path')
    starter = handoff.ApiServerStarter(Settings(embedded).api_server_starter_pid)

    starter()
    starter()
    handoff.ApiServerStarter(Settings(external).api_server_starter_pid)()

    assert sent == [(handoff.os.getpid(), handoff.START_API_SERVER_SIGNAL)]
    assert 'API_SERVER_STARTER_PID' not in external


@pytest.mark.parametrize('environment, expected', [
    ({}, ('/run/x/api.sock', '/run/x/memcache.sqlite3', '/var/lib/python-compat/api/datastore.db')),
    ({'API_STORAGE_PATH': '/data'}, ('/run/x/api.sock', '/run/x/memcache.sqlite3', '/data/datastore.db')),
    ({'MEMCACHE_SERVERS': 'cache:11211'}, ('/run/x/api.sock', None, '/var/lib/python-compat/api/datastore.db')),
    ({'DATASTORE_BACKEND': 'cloud-datastore', 'DATASTORE_PROJECT_ID': 'my-project'},
     ('/run/x/api.sock', '/run/x/memcache.sqlite3', None)),
    ({'API_HOST': 'apis.internal'}, (None, None, None)),
])
def test_the_app_serves_here_what_the_containers_own_api_server_shares(environment, expected):
    files = handoff.own_api_server_files(Settings(dict(environment)), '/run/x')
    assert tuple(files) == expected
    handed = Settings(handoff.app_environment({}, Settings({}), 'sha', 'path', files.unix_socket,
                                              files.memcache_store, files.datastore_file))
    assert (handed.api_unix_socket, handed.memcache_store, handed.datastore_file) == expected
