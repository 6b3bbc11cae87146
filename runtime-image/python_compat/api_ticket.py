"""Each request's API calls carry that request's ticket (its REQUEST_LOG_ID), as on Google's service bridge."""

from python_compat import apiclient
from python_compat import closing


class ApiTicketMiddleware(object):
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        apiclient.set_request_ticket(environ.get('python_compat.request_log_id'))
        try:
            body = self.app(environ, start_response)
        except BaseException:
            apiclient.set_request_ticket(None)
            raise
        return closing.ClosingBody(body, lambda: apiclient.set_request_ticket(None))
