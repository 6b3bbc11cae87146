"""One of several replicas that share a Cloud Datastore database and a memcached, each with its own API server.

ndb keeps its defaults (its memcache cache included), so what one replica writes another reads only if memcache is
shared too. Every handler answers JSON.
"""

import json

import webapp2
from google.appengine.api import datastore_errors
from google.appengine.api import memcache
from google.appengine.api import urlfetch
from google.appengine.ext import ndb


class Note(ndb.Model):
    text = ndb.StringProperty()


class Counter(ndb.Model):
    value = ndb.IntegerProperty(default=0)


def as_json(handler, data):
    handler.response.content_type = 'application/json'
    handler.response.write(json.dumps(data))


def increment(name, attempts, before_write=None):
    """One transactional read-modify-write of Counter `name`; `attempts` counts the runs ndb made of it."""
    def read_modify_write():
        attempts.append(1)
        counter = Counter.get_by_id(name) or Counter(id=name)
        if before_write is not None and len(attempts) == 1:
            before_write()
        counter.value += 1
        counter.put()
        return counter.value
    return read_modify_write


class NotePut(webapp2.RequestHandler):
    def post(self):
        Note(id=self.request.get('name'), text=self.request.get('text')).put()
        as_json(self, 'stored')


class NoteGet(webapp2.RequestHandler):
    def get(self):
        note = Note.get_by_id(self.request.get('name'))
        as_json(self, note.text if note else None)


class MemcacheSet(webapp2.RequestHandler):
    def post(self):
        as_json(self, memcache.set(self.request.get('key'), self.request.get('value')))


class MemcacheGet(webapp2.RequestHandler):
    def get(self):
        as_json(self, memcache.get(self.request.get('key')))


class CounterGet(webapp2.RequestHandler):
    def get(self):
        counter = Counter.get_by_id(self.request.get('name'), use_cache=False, use_memcache=False)
        as_json(self, counter.value if counter else 0)


class Increment(webapp2.RequestHandler):
    """`times` transactional increments, each retried up to `retries` times; answers what committed."""

    def post(self):
        name, committed, failed, attempts = self.request.get('name'), 0, 0, []
        for _ in range(int(self.request.get('times', '1'))):
            try:
                ndb.transaction(increment(name, attempts), retries=int(self.request.get('retries', '3')))
                committed += 1
            except datastore_errors.TransactionFailedError:
                failed += 1
        as_json(self, {'committed': committed, 'failed': failed, 'attempts': len(attempts)})


class IncrementAround(webapp2.RequestHandler):
    """One increment whose first attempt, between its read and its write, has the replica at `other` (a base
    URL) increment the same counter: a conflict across replicas, every time."""

    def post(self):
        name, other, attempts = self.request.get('name'), self.request.get('other'), []

        def increment_on_the_other_replica():
            reply = urlfetch.fetch('%s/increment?name=%s' % (other, name), method=urlfetch.POST, deadline=30)
            assert reply.status_code == 200, reply.content

        try:
            value = ndb.transaction(increment(name, attempts, increment_on_the_other_replica),
                                    retries=int(self.request.get('retries', '3')))
            outcome = 'committed'
        except datastore_errors.TransactionFailedError:
            value, outcome = None, 'TransactionFailedError'
        as_json(self, {'outcome': outcome, 'value': value, 'attempts': len(attempts)})


app = webapp2.WSGIApplication([
    ('/note/put', NotePut), ('/note/get', NoteGet), ('/memcache/set', MemcacheSet), ('/memcache/get', MemcacheGet),
    ('/counter', CounterGet), ('/increment', Increment), ('/increment-around', IncrementAround),
])
