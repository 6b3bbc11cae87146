"""gunicorn patch: a response carrying `Connection: close` closes the connection after it, as HTTP/1.1 means.

gunicorn 19 drops every hop-by-hop header the app sets and keeps the connection alive. Then, before it reads the
next request, it reads and discards whatever is left of this request's body: all of a refused 1.5 GB upload. The
runtime's refusals of requests whose body it does not read (blob_upload.py, malformed_requests.py) say
`Connection: close`; with this patch gunicorn sends that header and closes instead of reading on. The header
itself is still gunicorn's to write (it writes `Connection: close` whenever it will close).
"""

from gunicorn.http import wsgi

WRITTEN_FOR = ('gunicorn', '19.10.0')
RELIES_ON = {
    # Drops the app's Connection header; this patch reads it first.
    'gunicorn.http.wsgi.Response.process_headers': 'dda4df3ae279fe6f3978bbe59d02efcc7f5c108ca83438432bf413267c14cd44',
    # force_close() makes should_close() true: gunicorn then writes `Connection: close` and closes after the body.
    'gunicorn.http.wsgi.Response.should_close': '3888d47a96e289b3d9b834013ab4bb52bb70020f90043db4e41c4ef379ce7d7c',
    'gunicorn.http.wsgi.Response.force_close': '656092cce3c31f66a7f88226dd0e4c112402e8ac0a0360f4ab3951d322b8108c',
}


class ConnectionCloseResponse(object):
    """Mixed into gunicorn's Response."""

    def process_headers(self, headers):
        for name, value in headers:
            if name.lower().strip() == 'connection' and 'close' in value.lower().replace(',', ' ').split():
                self.force_close()
        return super(ConnectionCloseResponse, self).process_headers(headers)


def patched(response_class):
    return type('Response', (ConnectionCloseResponse, response_class), {'__module__': __name__})


def install():
    wsgi.Response = patched(wsgi.Response)
