"""The runtime's own error responses (404 when no handler matches, 500 when a script raises), with app.yaml's
`error_handlers` `default` page when the app has one."""

import os

from python_compat import responses


class ErrorPages(object):
    """The runtime's own error responses, using app.yaml's `error_handlers` `default` file when given."""

    def __init__(self, app_root, error_handlers):
        self.default = None
        for error_handler in error_handlers:
            if (error_handler.error_code or 'default') == 'default':
                path = os.path.join(app_root, error_handler.file)
                with open(path, 'rb') as page:
                    self.default = (page.read(), error_handler.mime_type or 'text/html; charset=utf-8')

    def respond(self, start_response, code, exc_info=None):
        if self.default is None:
            if exc_info is not None:
                start_response(responses.status_line(code), [('Content-Type', 'text/plain')], exc_info)
                return ['%s\n' % responses.status_line(code)]
            return responses.plain(start_response, code)
        body, content_type = self.default
        headers = [('Content-Type', content_type), ('Content-Length', str(len(body)))]
        if exc_info is not None:
            start_response(responses.status_line(code), headers, exc_info)
        else:
            start_response(responses.status_line(code), headers)
        return [body]
