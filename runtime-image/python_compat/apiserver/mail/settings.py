"""The mail settings of the API server, from APPENGINE_USE_SMTP_MAIL_SERVICE and the APPENGINE_SMTP_* variables."""

from python_compat.apiserver.mail import smtp_relay
from python_compat.errors import StartupError


def relay_from_settings(settings):
    """The SmtpRelay the API server's settings name, or None when SMTP mail is off; StartupError when it is on
    without a server."""
    if not settings.appengine_use_smtp_mail_service:
        return None
    if not settings.appengine_smtp_host:
        raise StartupError('environment', 'APPENGINE_SMTP_HOST', 'required with APPENGINE_USE_SMTP_MAIL_SERVICE=true: '
                           'the SMTP server mail is sent through')
    return smtp_relay.SmtpRelay(settings.appengine_smtp_host, settings.appengine_smtp_port,
                                user=settings.appengine_smtp_user, password=settings.appengine_smtp_password,
                                use_tls=settings.appengine_smtp_use_tls)
