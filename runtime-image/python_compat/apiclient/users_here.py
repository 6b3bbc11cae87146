"""The `user` service in the app's own process: the container's API server's stub (it only formats sign-in and
sign-out URLs), made here so that a page showing them never waits for the API server, at a container's first
request above all, and so that a relative continue URL gets the host of the request it was made for."""

import os
import urllib


def create_stub():
    from python_compat.apiserver import stub_factories
    return stub_factories.user_service(_RequestOfThisProcess())


class _RequestOfThisProcess(object):
    """The SDK's request data for the user stub: the URL of the request this greenlet serves (whose environment
    os.environ holds), with its scheme, as App Engine made a relative continue URL absolute. Outside a request
    the continue URL stays as the app gave it."""

    def get_request_url(self, unused_request_id):
        environ = os.environ
        host = environ.get('HTTP_HOST')
        if not host:
            raise KeyError('HTTP_HOST')  # the stub then keeps the URL as it is
        url = '%s://%s%s' % ('https' if environ.get('HTTPS') == 'on' else 'http', host,
                             urllib.quote(environ.get('PATH_INFO', '/')))
        if environ.get('QUERY_STRING'):
            url += '?' + environ['QUERY_STRING']
        return url
