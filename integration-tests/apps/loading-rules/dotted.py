"""`script: dotted.application.wsgi_app`: a method of an object in a plain module. python27 imported the longest
importable prefix (`dotted`) and resolved the rest as attributes."""


class Application(object):
    def wsgi_app(self, environ, start_response):
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return ['dotted']


application = Application()
