"""The mail service of the API server against a real SMTP server: what arrives, and how every refusal reaches the app
as the mail API's own error (nothing is delivered in part, nothing is dropped silently)."""

import email
import logging
import socket

import pytest

from google.appengine.api import api_base_pb
from google.appengine.api import mail
from google.appengine.api import mail_service_pb
from google.appengine.runtime import apiproxy_errors

from local_smtp_server import local_smtp_server
from python_compat.apiserver.mail import mail_service
from python_compat.apiserver.mail import smtp_relay

_Error = mail_service_pb.MailServiceError


@pytest.fixture
def smtp():
    with local_smtp_server() as (port, config):
        config.port = port
        yield config


def _service(smtp, admins=()):
    return mail_service.MailService(smtp_relay.SmtpRelay('127.0.0.1', smtp.port, use_tls=False, timeout=5), admins)


def _call(service, method, message):
    service.MakeSyncCall('mail', method, message.ToProto(), api_base_pb.VoidProto())


def _message(**fields):
    defaults = dict(sender='App <app@example.com>', to='Ada <ada@example.com>', subject='Hello', body='Hi Ada')
    defaults.update(fields)
    return mail.EmailMessage(**defaults)


def _received(smtp):
    sender, recipients, text = smtp.received[-1]
    return sender, recipients, email.message_from_string(text)


def test_send_mail_arrives_with_envelope_headers_and_body(smtp):
    _call(_service(smtp), 'Send', _message(html='<p>Hi</p>'))

    sender, recipients, message = _received(smtp)
    assert (sender, recipients) == ('app@example.com', ['ada@example.com'])
    assert (message['From'], message['To'], message['Subject']) == ('App <app@example.com>', 'Ada <ada@example.com>',
                                                                    'Hello')
    assert message['Date'] and message['Message-ID'].endswith('@example.com>')
    texts = [part.get_payload(decode=True) for part in message.walk() if part.get_content_maintype() == 'text']
    assert texts == ['Hi Ada', '<p>Hi</p>']


def test_cc_and_bcc_get_the_message_and_bcc_stays_hidden(smtp):
    _call(_service(smtp), 'Send', _message(to=['a@example.com', 'b@example.com'], cc='c@example.com',
                                           bcc='hidden@example.com'))

    _, recipients, message = _received(smtp)
    assert recipients == ['a@example.com', 'b@example.com', 'c@example.com', 'hidden@example.com']
    assert message['Cc'] == 'c@example.com'
    assert message['Bcc'] is None and 'hidden@example.com' not in smtp.received[-1][2]


def test_attachments_reply_to_and_allowed_headers_arrive(smtp):
    _call(_service(smtp), 'Send', _message(
        reply_to='replies@example.com', headers={'List-Id': 'list.example.com', 'In-Reply-To': '<m1@example.com>'},
        attachments=[('report.pdf', '%PDF-1.4 \x00\xff binary'), ('notes.txt', 'plain notes')]))

    _, _, message = _received(smtp)
    assert message['Reply-To'] == 'replies@example.com'
    assert (message['List-Id'], message['In-Reply-To']) == ('list.example.com', '<m1@example.com>')
    files = dict((part.get_filename(), part.get_payload(decode=True)) for part in message.walk()
                 if part.get_filename())
    assert files == {'report.pdf': '%PDF-1.4 \x00\xff binary', 'notes.txt': 'plain notes'}


def test_no_reply_to_means_no_empty_header(smtp):
    _call(_service(smtp), 'Send', _message())

    assert 'Reply-To' not in _received(smtp)[2]


def test_send_mail_to_admins_goes_to_the_configured_admins(smtp):
    _call(_service(smtp, ['admin1@example.com', 'admin2@example.com']), 'SendToAdmins',
          mail.AdminEmailMessage(sender='app@example.com', subject='Alert', body='disk full'))

    _, recipients, message = _received(smtp)
    assert recipients == ['admin1@example.com', 'admin2@example.com']
    assert message['To'] == 'admin1@example.com, admin2@example.com'


def test_send_mail_to_admins_without_admins_is_a_bad_request(smtp):
    with pytest.raises(apiproxy_errors.ApplicationError) as raised:
        _call(_service(smtp), 'SendToAdmins', mail.AdminEmailMessage(sender='app@example.com', subject='s', body='b'))

    assert raised.value.application_error == _Error.BAD_REQUEST
    assert 'APPENGINE_ADMIN_EMAIL_RECIPIENTS' in raised.value.error_detail
    assert smtp.received == []


def test_a_refused_recipient_delivers_to_nobody_and_says_who(smtp):
    smtp.refused_recipients['outside@example.org'] = '554 5.7.1 Relay access denied'

    with pytest.raises(apiproxy_errors.ApplicationError) as raised:
        _call(_service(smtp), 'Send', _message(to=['ada@example.com', 'outside@example.org']))

    assert raised.value.application_error == _Error.BAD_REQUEST
    assert 'outside@example.org (554 5.7.1 Relay access denied)' in raised.value.error_detail
    assert smtp.received == [] and smtp.resets == 1


def test_a_temporarily_refused_recipient_is_an_internal_error(smtp):
    smtp.refused_recipients['ada@example.com'] = '451 4.7.1 Try again later'

    with pytest.raises(apiproxy_errors.ApplicationError) as raised:
        _call(_service(smtp), 'Send', _message())

    assert raised.value.application_error == _Error.INTERNAL_ERROR
    assert smtp.received == []


def test_a_refused_sender_is_an_unauthorized_sender(smtp):
    smtp.refused_senders['app@example.com'] = '553 5.7.1 Sender address rejected'

    with pytest.raises(apiproxy_errors.ApplicationError) as raised:
        _call(_service(smtp), 'Send', _message())

    assert raised.value.application_error == _Error.UNAUTHORIZED_SENDER
    assert '553' in raised.value.error_detail


def test_an_unreachable_server_is_an_internal_error():
    probe = socket.socket()
    probe.bind(('127.0.0.1', 0))
    port = probe.getsockname()[1]
    probe.close()
    service = mail_service.MailService(smtp_relay.SmtpRelay('127.0.0.1', port, use_tls=False, timeout=5))

    with pytest.raises(apiproxy_errors.ApplicationError) as raised:
        _call(service, 'Send', _message())

    assert raised.value.application_error == _Error.INTERNAL_ERROR
    assert '127.0.0.1:%d' % port in raised.value.error_detail


def test_tls_required_but_not_offered_sends_nothing(smtp):
    service = mail_service.MailService(smtp_relay.SmtpRelay('127.0.0.1', smtp.port, use_tls=True, timeout=5))

    with pytest.raises(apiproxy_errors.ApplicationError) as raised:
        _call(service, 'Send', _message())

    assert raised.value.application_error == _Error.INTERNAL_ERROR
    assert 'STARTTLS' in raised.value.error_detail
    assert smtp.received == []


@pytest.mark.parametrize('fields, code', [
    (dict(headers={'X-Custom': 'v'}), _Error.INVALID_HEADER_NAME),
    (dict(attachments=[('virus.exe', 'MZ')]), _Error.INVALID_ATTACHMENT_TYPE),
], ids=['header not allowed', 'attachment type'])
def test_what_app_engine_refused_is_refused_before_any_smtp(smtp, fields, code):
    request = _message().ToProto()
    if 'headers' in fields:
        header = request.add_header()
        header.set_name('X-Custom')
        header.set_value('v')
    else:
        attachment = request.add_attachment()
        attachment.set_filename('virus.exe')
        attachment.set_data('MZ')

    with pytest.raises(apiproxy_errors.ApplicationError) as raised:
        _service(smtp).MakeSyncCall('mail', 'Send', request, api_base_pb.VoidProto())

    assert raised.value.application_error == code
    assert smtp.received == []


def test_a_line_break_in_the_subject_cannot_add_headers(smtp):
    request = _message().ToProto()
    request.set_subject('Hello\r\nBcc: victim@example.com')

    with pytest.raises(apiproxy_errors.ApplicationError) as raised:
        _service(smtp).MakeSyncCall('mail', 'Send', request, api_base_pb.VoidProto())

    assert raised.value.application_error == _Error.BAD_REQUEST
    assert smtp.received == []


def test_without_smtp_mail_is_logged_as_not_sent(caplog):
    with caplog.at_level(logging.INFO, logger=mail_service.__name__):
        _call(mail_service.MailService(), 'Send', _message(subject='Logged only'))

    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert warnings == ["mail NOT sent (APPENGINE_USE_SMTP_MAIL_SERVICE is off): 'Logged only' to ada@example.com"]
    assert 'Hi Ada' in caplog.text
