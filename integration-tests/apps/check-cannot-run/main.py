"""The app's only WSGI handler."""

from google.appengine.api import urlfetch


def app(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [urlfetch.fetch('http://127.0.0.1:1/').content]
