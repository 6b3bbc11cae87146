"""The ticket API calls carry."""

import pytest

from python_compat.apiclient import ticket
from python_compat.config.settings import Settings
from python_compat.errors import StartupError


@pytest.fixture(autouse=True)
def no_request(monkeypatch):
    monkeypatch.delenv('REQUEST_LOG_ID', raising=False)
    yield
    ticket.set_default_ticket(None)


def test_default_ticket_comes_from_the_setting():
    ticket.set_default_ticket(Settings({'DEFAULT_TICKET': 'from-env'}).default_ticket)

    assert ticket.current_ticket() == 'from-env'


def test_without_the_setting_the_default_is_a_fixed_placeholder():
    ticket.set_default_ticket(Settings({}).default_ticket)

    assert ticket.current_ticket() == ticket.FALLBACK_TICKET


def test_inside_a_request_the_ticket_is_its_request_log_id(monkeypatch):
    ticket.set_default_ticket('default')
    monkeypatch.setenv('REQUEST_LOG_ID', 'request-1')

    assert ticket.current_ticket() == 'request-1'


def test_outside_a_request_the_default_applies_again(monkeypatch):
    ticket.set_default_ticket('default')
    monkeypatch.setenv('REQUEST_LOG_ID', 'request-1')
    monkeypatch.delenv('REQUEST_LOG_ID')

    assert ticket.current_ticket() == 'default'


def test_api_server_defaults_to_the_local_one():
    settings = Settings({})

    assert (settings.api_host, settings.api_port) == (None, 10001)


def test_api_server_from_api_host_and_port():
    settings = Settings({'API_HOST': 'api', 'API_PORT': '9000'})

    assert (settings.api_host, settings.api_port) == ('api', 9000)


@pytest.mark.parametrize('port', ['http', '0', '65536'])
def test_bad_api_port_is_named_in_the_error(port):
    with pytest.raises(StartupError) as error:
        Settings({'API_PORT': port})

    assert 'API_PORT' in str(error.value)
