"""Serves while another handler's CGI file is missing."""


def app(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return ['still serving']
