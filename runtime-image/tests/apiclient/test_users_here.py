"""The users API in a container: sign-in and sign-out URLs made in the app's own process, on the sign-in page,
with the host and scheme of the request they are made for."""

from google.appengine.api import users


def test_sign_in_and_out_urls_go_back_to_the_request_that_made_them(api_server, container_api, monkeypatch):
    monkeypatch.setenv('HTTP_HOST', 'app.example')
    monkeypatch.setenv('HTTPS', 'on')
    api_server.stop()
    try:
        urls = (users.create_login_url('/whoami?x=1'), users.create_logout_url('/'),
                users.create_login_url('https://elsewhere.example/next'))
    finally:
        api_server.start()
    assert urls == ('/_ah/login?continue=https%3A//app.example/whoami%3Fx%3D1',
                    '/_ah/login?continue=https%3A//app.example/&action=logout',
                    '/_ah/login?continue=https%3A//elsewhere.example/next')


def test_outside_a_request_the_continue_url_stays_as_given(container_api, monkeypatch):
    monkeypatch.delenv('HTTP_HOST', raising=False)
    assert users.create_login_url('/whoami') == '/_ah/login?continue=/whoami'
