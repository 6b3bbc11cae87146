"""The inbound mail paths: only the platform and administrators may post to them."""

import re

from python_compat import responses
from python_compat.wire import internal_token

# Where App Engine delivered inbound mail and bounces (inbound_services: mail, mail_bounce).
_INBOUND_MAIL_PATH = re.compile(r'^/_ah/(?:mail/.*|bounce/?)$')


def refusal(environ, start_response):
    """A platform step of the request pipeline: refuses /_ah/mail/... and /_ah/bounce unless the request is the
    platform's own (internal) or an administrator's, whatever app.yaml says: otherwise anyone could post a forged
    message to the app's mail handlers. None lets the request through."""
    if (_INBOUND_MAIL_PATH.match(environ.get('PATH_INFO') or '') and not environ.get(internal_token.ENVIRON_FLAG)
            and not (environ.get('USER_EMAIL') and environ.get('USER_IS_ADMIN') == '1')):
        return responses.plain(start_response, 403, 'Forbidden: inbound mail comes only from the platform\n')
    return None
