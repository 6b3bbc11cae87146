"""The ticket API calls carry, and where the client finds the API server."""

import threading

import pytest

from python_compat import apiclient
from python_compat.apiclient import ticket


def test_default_ticket_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv('DEFAULT_TICKET', 'from-env')

    assert ticket.current_ticket() == 'from-env'


def test_without_environment_the_default_is_a_fixed_placeholder(monkeypatch):
    monkeypatch.delenv('DEFAULT_TICKET', raising=False)

    assert ticket.current_ticket() == ticket.FALLBACK_TICKET


def test_request_ticket_applies_inside_the_block_only(monkeypatch):
    monkeypatch.delenv('DEFAULT_TICKET', raising=False)

    with apiclient.request_ticket('request-1'):
        assert apiclient.current_ticket() == 'request-1'
    assert apiclient.current_ticket() == ticket.FALLBACK_TICKET


def test_ticket_set_in_one_thread_is_not_seen_by_another():
    seen = []
    apiclient.set_request_ticket('main-thread')
    try:
        other = threading.Thread(target=lambda: seen.append(apiclient.current_ticket()))
        other.start()
        other.join()
    finally:
        apiclient.set_request_ticket(None)

    assert seen != ['main-thread']


def test_server_address_defaults_to_the_local_api_server():
    assert apiclient.server_address({}) == ('127.0.0.1', 10001)


def test_server_address_from_api_host_and_port():
    assert apiclient.server_address({'API_HOST': 'api', 'API_PORT': '9000'}) == ('api', 9000)


@pytest.mark.parametrize('port', ['http', '0', '65536'])
def test_bad_api_port_is_named_in_the_error(port):
    with pytest.raises(ValueError) as error:
        apiclient.server_address({'API_PORT': port})

    assert 'API_PORT' in str(error.value)
