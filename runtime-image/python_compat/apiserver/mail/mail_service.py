"""The `mail` service: Send and SendToAdmins through an SmtpRelay, or logged only when there is none.

Built on the SDK's stub for what App Engine checked (attachment types) and how it turned the request into a MIME
message; the delivery and its errors are ours. Every failure reaches the app as the mail API's error:

    the server refused the sender or the login       UNAUTHORIZED_SENDER -> mail.InvalidSenderError
    it refused a recipient or the message (5xx)      BAD_REQUEST         -> mail.BadRequestError
    unreachable, TLS failed, a temporary 4xx          INTERNAL_ERROR      -> apiproxy_errors.ApplicationError
    a header App Engine did not allow                 INVALID_HEADER_NAME -> mail.InvalidHeaderNameError
"""

import email.utils
import logging
import uuid

from google.appengine.api import mail
from google.appengine.api import mail_service_pb
from google.appengine.api import mail_stub
from google.appengine.runtime import apiproxy_errors

from python_compat.apiserver.mail import smtp_relay

_log = logging.getLogger(__name__)
_Error = mail_service_pb.MailServiceError


class MailService(mail_stub.MailServiceStub):
    """relay: an smtp_relay.SmtpRelay, or None to log messages instead of sending them.
    admin_recipients: the addresses SendToAdmins delivers to."""

    THREADSAFE = True

    def __init__(self, relay=None, admin_recipients=()):
        # Bodies are logged only when nothing is sent: then the log is the only place to read them.
        mail_stub.MailServiceStub.__init__(self, show_mail_body=relay is None)
        self._relay = relay
        self._admin_recipients = sorted(admin_recipients)

    def _Dynamic_Send(self, request, response):  # pylint: disable=invalid-name,unused-argument
        self._deliver('Send', request, _envelope_recipients(request))

    def _Dynamic_SendToAdmins(self, request, response):  # pylint: disable=invalid-name,unused-argument
        if not self._admin_recipients:
            raise apiproxy_errors.ApplicationError(
                _Error.BAD_REQUEST, 'send_mail_to_admins: no administrators to send to '
                '(set APPENGINE_ADMIN_EMAIL_RECIPIENTS on the API server)')
        self._deliver('SendToAdmins', request, self._admin_recipients)

    def _deliver(self, method, request, recipients):
        _check(request)
        self._ValidateExtensions(request)
        if not recipients:
            raise apiproxy_errors.ApplicationError(_Error.BAD_REQUEST, 'no recipients (to, cc or bcc)')
        if self._relay is None:
            self._GenerateLog(method, request, _log.info)
            _log.warning('mail NOT sent (APPENGINE_USE_SMTP_MAIL_SERVICE is off): %r to %s', request.subject(),
                         ', '.join(recipients))
            return
        message = _mime_message(request, method == 'SendToAdmins' and recipients)
        sender = _address(request.sender())
        try:
            self._relay.deliver(sender, recipients, message.as_string())
        except smtp_relay.DeliveryFailed as failure:
            _log.error('mail from %s to %s not sent: %s', sender, ', '.join(recipients), failure.detail)
            raise apiproxy_errors.ApplicationError(_error_code(failure), failure.detail)
        _log.info('mail %s sent from %s to %s through %s', message['Message-ID'], sender, ', '.join(recipients),
                  self._relay.host)


def _check(request):
    """What App Engine refused on its side: headers outside its list, and line breaks that would forge headers."""
    for header in request.header_list():
        if header.name().strip() not in mail.HEADER_WHITELIST:
            raise apiproxy_errors.ApplicationError(_Error.INVALID_HEADER_NAME,
                                                   'header %r is not allowed' % header.name())
    fields = [request.sender(), request.replyto(), request.subject()]
    fields += request.to_list() + request.cc_list() + request.bcc_list()
    fields += [header.value() for header in request.header_list()]
    if any('\r' in field or '\n' in field for field in fields):
        raise apiproxy_errors.ApplicationError(_Error.BAD_REQUEST, 'line break in an address, subject or header')
    if not _address(request.sender()):
        raise apiproxy_errors.ApplicationError(_Error.BAD_REQUEST, 'invalid sender %r' % request.sender())


def _envelope_recipients(request):
    """Every To, Cc and Bcc address, bare, each once."""
    recipients = []
    for field in request.to_list() + request.cc_list() + request.bcc_list():
        address = _address(field)
        if not address:
            raise apiproxy_errors.ApplicationError(_Error.BAD_REQUEST, 'invalid recipient %r' % field)
        if address not in recipients:
            recipients.append(address)
    return recipients


def _address(field):
    """`a@example.com` from `Name <a@example.com>` or `a@example.com`; '' when there is none."""
    address = email.utils.parseaddr(field)[1]
    return address if '@' in address else ''


def _mime_message(request, admin_recipients):
    """The message as it goes on the wire: the SDK's MIME form, without Bcc, with Date and Message-ID."""
    message = mail.mail_message_to_mime_message(request)
    del message['Bcc']
    if not request.has_replyto():
        del message['Reply-To']
    if admin_recipients:
        message['To'] = ', '.join(admin_recipients)
    message['Date'] = email.utils.formatdate()
    # Not email.utils.make_msgid(): it asks DNS for this host's name on every call.
    message['Message-ID'] = '<%s@%s>' % (uuid.uuid4().hex, _address(request.sender()).rpartition('@')[2])
    mail_stub._Base64EncodeAttachments(message)  # pylint: disable=protected-access
    return message


def _error_code(failure):
    if failure.stage in ('sender', 'login'):
        return _Error.UNAUTHORIZED_SENDER
    if failure.permanent:
        return _Error.BAD_REQUEST
    return _Error.INTERNAL_ERROR
