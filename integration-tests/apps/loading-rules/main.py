"""The catch-all handler: serves while other handlers' scripts cannot be imported; /raise fails on purpose."""


def app(environ, start_response):
    if environ['PATH_INFO'] == '/raise':
        raise RuntimeError('failing on purpose')
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return ['main']
