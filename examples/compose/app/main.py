"""Counts visits in memcache and keeps one entity per visitor name: whichever replica serves a request,
the counts and entities are the same, because every replica uses the one API server."""
import json
import socket

import webapp2
from google.appengine.api import memcache
from google.appengine.ext import ndb


class Visitor(ndb.Model):
    first_served_by = ndb.StringProperty()


class VisitHandler(webapp2.RequestHandler):
    def get(self):
        name = self.request.get('name', 'anonymous')
        visits = memcache.incr('visits', initial_value=0)
        visitor = Visitor.get_or_insert(name, first_served_by=socket.gethostname())
        self.response.content_type = 'application/json'
        self.response.write(json.dumps({'visits': visits, 'served_by': socket.gethostname(),
                                        'first_served_by': visitor.first_served_by}))


app = webapp2.WSGIApplication([('/', VisitHandler)])
