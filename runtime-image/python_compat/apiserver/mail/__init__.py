"""The mail API of the API server: messages go to an SMTP server (APPENGINE_USE_SMTP_MAIL_SERVICE and the other
APPENGINE_SMTP_* variables of Google's Python 3 SDK), or are only logged when none is configured."""
