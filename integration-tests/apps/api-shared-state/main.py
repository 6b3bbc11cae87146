"""Writes and reads entities and memcache values by name; every reply names the worker that served it."""
import json
import os
import urlparse

from google.appengine.api import memcache
from google.appengine.ext import ndb


class Note(ndb.Model):
    text = ndb.StringProperty()


class Counter(ndb.Model):
    created_by = ndb.IntegerProperty()


def put_note(params):
    Note(id=params['name'], text=params['text']).put()
    return {}


def get_note(params):
    note = Note.get_by_id(params['name'])
    return {'text': note.text if note else None}


def set_value(params):
    return {'stored': memcache.set(params['name'], params['text'])}


def get_value(params):
    return {'text': memcache.get(params['name'])}


def hit(params):
    """A counted visit: memcache.incr plus get_or_insert, the benchmark's unit of work."""
    count = memcache.incr('hits', initial_value=0)
    Counter.get_or_insert(params.get('name', 'visits'), created_by=os.getpid())
    return {'hits': count}


class Tally(ndb.Model):
    count = ndb.IntegerProperty(default=0)


def increment(params):
    """One increment of a tally in a transaction, retried until it commits, as an app retries contention; returns
    the count it committed."""
    @ndb.transactional(retries=100)
    def add_one():
        tally = Tally.get_by_id(params['name']) or Tally(id=params['name'])
        tally.count += 1
        tally.put()
        return tally.count
    return {'count': add_one()}


ROUTES = {'/note/put': put_note, '/note/get': get_note, '/value/set': set_value, '/value/get': get_value,
          '/hit': hit, '/tally/increment': increment}


def app(environ, start_response):
    route = ROUTES.get(environ['PATH_INFO'])
    if route is None:
        start_response('404 Not Found', [('Content-Type', 'text/plain')])
        return ['not found\n']
    params = dict(urlparse.parse_qsl(environ.get('QUERY_STRING', '')))
    body = route(params)
    body['worker'] = os.getpid()
    start_response('200 OK', [('Content-Type', 'application/json')])
    return [json.dumps(body)]
