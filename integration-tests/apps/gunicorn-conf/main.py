def app(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return ['served under the app\'s own gunicorn.conf.py']
