"""A WSGI app reading forms with the cgi module: /wsgi/no-arguments as cgi.FieldStorage() (python27 gave WSGI apps an
empty stdin, so only the query string counts), /wsgi/body with the body as `fp` and the environ left default."""

import cgi
import json


def app(environ, start_response):
    if environ['PATH_INFO'] == '/wsgi/no-arguments':
        form = cgi.FieldStorage()
    else:
        form = cgi.FieldStorage(fp=environ['wsgi.input'])
    fields = dict((key, form.getfirst(key)) for key in form.keys())
    start_response('200 OK', [('Content-Type', 'application/json')])
    return [json.dumps(fields)]
