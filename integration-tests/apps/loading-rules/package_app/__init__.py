"""`script: package_app.app`: the WSGI app is an attribute of a package's __init__."""


def app(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return ['package']
