"""Mail through SMTP: an unchanged python27 mail API call, sent by the API server to a real SMTP server (aiosmtpd on
the host's loopback) over STARTTLS with a login, configured with the variables of Google's Python 3 SDK.

The API server and the python27 client run in host-network containers of the runtime image (a container reaches the
host's loopback only that way); the client prints what the mail API did as JSON.
"""

import contextlib
import email
import email.policy
import json
import textwrap

import pytest

from host_network_apps import wait_until_healthy
from smtp_test_server import PASSWORD, REFUSED_RECIPIENT, USER, free_port, smtp_test_server, \
    write_test_ca_and_server_certificate

CLIENT_TIMEOUT_SECONDS = 120
CERTIFICATES_IN_CONTAINER = '/run/test-certificates'


@pytest.fixture(scope='module')
def certificates(tmp_path_factory):
    directory = tmp_path_factory.mktemp('smtp-certificates')
    write_test_ca_and_server_certificate(directory)
    return directory


@pytest.fixture
def smtp(certificates):
    with smtp_test_server(certificates) as (port, relay):
        relay.port = port
        yield relay


@contextlib.contextmanager
def api_server(docker_client, runtime_image, certificates, smtp_port, trust_test_ca=True, password=PASSWORD):
    """The runtime image's API server on the host network, sending mail to 127.0.0.1:smtp_port; yields its port."""
    port = free_port()
    environment = {'APPENGINE_USE_SMTP_MAIL_SERVICE': 'true', 'APPENGINE_SMTP_HOST': 'localhost',
                   'APPENGINE_SMTP_PORT': str(smtp_port), 'APPENGINE_SMTP_USER': USER,
                   'APPENGINE_SMTP_PASSWORD': password,
                   'APPENGINE_ADMIN_EMAIL_RECIPIENTS': 'admin1@example.com,admin2@example.com'}
    if trust_test_ca:
        environment['SSL_CERT_FILE'] = CERTIFICATES_IN_CONTAINER + '/ca.pem'
    container = docker_client.containers.run(
        runtime_image, ['api-server', '--app-id', 'mailtest', '--port', str(port), '--storage-path', '/tmp/api'],
        network_mode='host', environment=environment, detach=True,
        volumes={str(certificates): {'bind': CERTIFICATES_IN_CONTAINER, 'mode': 'ro'}})
    try:
        wait_until_healthy(container, 'http://127.0.0.1:%d' % port)
        container.api_port = port
        yield container
    finally:
        container.remove(force=True)


def run_mail_client(docker_client, runtime_image, api_port, body):
    """The JSON `result` that python27 `body` (with the SDK's `mail` routed to the API server) printed."""
    script = textwrap.dedent('''\
        import json
        from python_compat import apiclient
        apiclient.install('127.0.0.1', %d)
        from google.appengine.api import mail
        result = {}
        def outcome(send):
            try:
                send()
                return 'sent'
            except Exception as error:
                return '%%s: %%s' %% (type(error).__name__, error)
        ''') % api_port + textwrap.dedent(body) + '\nprint(json.dumps(result))\n'
    container = docker_client.containers.run(runtime_image, ['python', '-c', script], network_mode='host',
                                             environment={'APPLICATION_ID': 'dev~mailtest'}, detach=True)
    try:
        status = container.wait(timeout=CLIENT_TIMEOUT_SECONDS)
        output = container.logs(stdout=True, stderr=False).decode()
        assert status['StatusCode'] == 0, container.logs().decode()[-3000:]
    finally:
        container.remove(force=True)
    return json.loads(output.strip().splitlines()[-1])


@pytest.fixture
def send(docker_client, runtime_image, certificates, smtp):
    with api_server(docker_client, runtime_image, certificates, smtp.port) as server:
        yield lambda body: run_mail_client(docker_client, runtime_image, server.api_port, body)


def parsed(received):
    return email.message_from_bytes(received['content'], policy=email.policy.default)


def test_an_email_message_with_attachments_arrives_over_starttls_after_login(send, smtp):
    result = send('''
        message = mail.EmailMessage(sender='Guestbook <app@example.com>', subject=u'H\\xe9llo',
                                    to=['Ada <ada@example.com>'], cc='cc@example.com', bcc='hidden@example.com',
                                    reply_to='replies@example.com', headers={'List-Id': 'guestbook.example.com'},
                                    body='plain text', html='<p>html</p>',
                                    attachments=[('report.pdf', '%PDF-1.4 \\x00\\xff'), ('notes.txt', 'notes')])
        result['outcome'] = outcome(message.send)
        ''')

    assert result == {'outcome': 'sent'}
    [received] = smtp.received
    assert received['tls'] and received['login'] == USER.encode()
    assert (received['from'], received['to']) == (
        'app@example.com', ['ada@example.com', 'cc@example.com', 'hidden@example.com'])
    message = parsed(received)
    assert (message['From'], message['To'], message['Cc'], message['Reply-To'], message['List-Id']) == (
        'Guestbook <app@example.com>', 'Ada <ada@example.com>', 'cc@example.com', 'replies@example.com',
        'guestbook.example.com')
    assert message['Subject'] == 'H\u00e9llo'
    assert message['Bcc'] is None and b'hidden@example.com' not in received['content'].split(b'\r\n\r\n')[0]
    assert message.get_body(('plain',)).get_content().strip() == 'plain text'
    assert message.get_body(('html',)).get_content().strip() == '<p>html</p>'
    assert {part.get_filename(): part.get_content() for part in message.iter_attachments()} == {
        'report.pdf': b'%PDF-1.4 \x00\xff', 'notes.txt': 'notes'}


def test_send_mail_and_send_mail_to_admins(send, smtp):
    result = send('''
        result['send_mail'] = outcome(lambda: mail.send_mail('app@example.com', 'ada@example.com', 'One', 'first'))
        result['to_admins'] = outcome(lambda: mail.send_mail_to_admins('app@example.com', 'Two', 'second'))
        ''')

    assert result == {'send_mail': 'sent', 'to_admins': 'sent'}
    assert [(received['to'], parsed(received)['Subject']) for received in smtp.received] == [
        (['ada@example.com'], 'One'), (['admin1@example.com', 'admin2@example.com'], 'Two')]


def test_a_refused_relay_reaches_the_app_as_the_mail_api_error_and_delivers_nothing(send, smtp):
    result = send('''
        result['outcome'] = outcome(lambda: mail.send_mail('app@example.com', ['ada@example.com', '%s'],
                                                           'Refused', 'body'))
        ''' % REFUSED_RECIPIENT)

    assert result['outcome'].startswith('BadRequestError: ')
    assert 'Relay access denied' in result['outcome'] and REFUSED_RECIPIENT in result['outcome']
    assert smtp.received == []


def test_a_wrong_password_is_an_invalid_sender(docker_client, runtime_image, certificates, smtp):
    with api_server(docker_client, runtime_image, certificates, smtp.port, password='wrong') as server:
        result = run_mail_client(docker_client, runtime_image, server.api_port, '''
            result['outcome'] = outcome(lambda: mail.send_mail('app@example.com', 'ada@example.com', 'S', 'b'))
            ''')

    assert result['outcome'].startswith('InvalidSenderError: ')
    assert smtp.received == []


def test_a_server_certificate_not_trusted_sends_nothing(docker_client, runtime_image, certificates, smtp):
    with api_server(docker_client, runtime_image, certificates, smtp.port, trust_test_ca=False) as server:
        result = run_mail_client(docker_client, runtime_image, server.api_port, '''
            result['outcome'] = outcome(lambda: mail.send_mail('app@example.com', 'ada@example.com', 'S', 'b'))
            ''')
        log = server.logs().decode()

    assert result['outcome'].startswith('ApplicationError: ApplicationError: 1 SMTP server localhost:')
    assert 'CERTIFICATE_VERIFY_FAILED' in result['outcome']
    assert 'not sent' in log
    assert smtp.received == []
