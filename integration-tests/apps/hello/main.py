"""The smallest WSGI app: what the serving benchmark measures, through our runtime and through bare gunicorn."""


def app(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', '12')])
    return [b'Hello world\n']
