"""Hands one message to an SMTP server for all of its recipients, or for none.

The envelope is sent command by command (MAIL FROM, one RCPT TO per recipient) and the message only once every
recipient has been accepted: a refusal of any one is reported before anything is delivered, never as a partial
delivery the app cannot see. With TLS on, STARTTLS is required and the server's certificate must be valid for
its host name; smtplib's own starttls() checks neither on Python 2.7.
"""

import smtplib
import socket
import ssl

# Seconds any one exchange with the SMTP server may take (connect, a command, the message).
SMTP_TIMEOUT_SECONDS = 30


class DeliveryFailed(Exception):
    """The message was delivered to nobody.

    stage: 'connect' (unreachable, TLS, a broken conversation), 'login', 'sender', 'recipients' or 'message':
    which step the server refused. permanent: the server answered 5xx (trying again will not help).
    """

    def __init__(self, stage, detail, permanent=False):
        Exception.__init__(self, detail)
        self.stage = stage
        self.detail = detail
        self.permanent = permanent


class SmtpRelay(object):
    """An SMTP server the API server sends mail through."""

    def __init__(self, host, port, user=None, password=None, use_tls=True, timeout=SMTP_TIMEOUT_SECONDS,
                 tls_context=None):
        self.host = host
        self.port = port
        self.user = user
        self.password = password or ''
        self.use_tls = use_tls
        self.timeout = timeout
        # The system's CAs, or the bundle SSL_CERT_FILE names (OpenSSL reads it): created once, shared by sends.
        self._tls_context = tls_context or (ssl.create_default_context() if use_tls else None)

    def describe(self):
        return '%s:%d (%s%s)' % (self.host, self.port, 'STARTTLS required' if self.use_tls else 'no TLS',
                                 ', login as %s' % self.user if self.user else '')

    def deliver(self, sender, recipients, message_text):
        """Delivers `message_text` (the whole message, headers included) from the envelope address `sender` to
        every address in `recipients`; raises DeliveryFailed when the server takes it for nobody."""
        smtp = smtplib.SMTP(timeout=self.timeout)
        try:
            self._open(smtp)
            self._send_envelope(smtp, sender, recipients)
            code, reply = smtp.data(message_text)
            if code != 250:
                raise _refused('message', code, reply)
        except DeliveryFailed:
            raise
        except smtplib.SMTPDataError as error:
            raise _refused('message', error.smtp_code, error.smtp_error)
        except (smtplib.SMTPException, socket.error, ssl.SSLError, ssl.CertificateError) as error:
            raise DeliveryFailed('connect', 'SMTP server %s:%d: %s' % (self.host, self.port, _text(error)))
        finally:
            _close(smtp)

    def _open(self, smtp):
        code, reply = smtp.connect(self.host, self.port)
        if code != 220:
            raise _refused('connect', code, reply)
        smtp.ehlo_or_helo_if_needed()
        if self.use_tls:
            self._start_tls(smtp)
        if self.user:
            try:
                smtp.login(self.user, self.password)
            except smtplib.SMTPAuthenticationError as error:
                raise _refused('login', error.smtp_code, error.smtp_error)

    def _start_tls(self, smtp):
        if not smtp.has_extn('starttls'):
            raise DeliveryFailed('connect', 'SMTP server %s:%d does not offer STARTTLS (APPENGINE_SMTP_USE_TLS=true)'
                                 % (self.host, self.port))
        code, reply = smtp.docmd('STARTTLS')
        if code != 220:
            raise _refused('connect', code, reply)
        smtp.sock = self._tls_context.wrap_socket(smtp.sock, server_hostname=self.host)
        smtp.file = smtplib.SSLFakeFile(smtp.sock)
        # RFC 3207: forget what the server said before TLS, then ask again.
        smtp.helo_resp = smtp.ehlo_resp = None
        smtp.esmtp_features = {}
        smtp.does_esmtp = 0
        smtp.ehlo()

    @staticmethod
    def _send_envelope(smtp, sender, recipients):
        code, reply = smtp.mail(sender)
        if code != 250:
            raise _refused('sender', code, reply)
        refused = []
        for recipient in recipients:
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                refused.append((recipient, code, reply))
        if refused:
            smtp.rset()
            worst = max(code for _, code, _ in refused)
            raise DeliveryFailed('recipients', 'SMTP server refused %s' % '; '.join(
                '%s (%d %s)' % (recipient, code, _text(reply)) for recipient, code, reply in refused),
                permanent=worst >= 500)


_REFUSED_WHAT = {'connect': 'connection', 'login': 'login', 'sender': 'sender', 'message': 'message'}


def _refused(stage, code, reply):
    return DeliveryFailed(stage, 'SMTP server refused the %s: %s %s' % (_REFUSED_WHAT[stage], code, _text(reply)),
                          permanent=500 <= code < 600)


def _text(reply):
    return ' '.join(str(reply).split())


def _close(smtp):
    if getattr(smtp, 'sock', None) is None:
        return  # never connected
    try:
        smtp.quit()
    except (smtplib.SMTPException, socket.error, ssl.SSLError):
        smtp.close()
