"""Per-tenant task counters: /enqueue adds tasks inside a namespace, the tasks count in the namespace they run in,
/counts reads one namespace's counters back."""

import json

import webapp2
from google.appengine.api import memcache
from google.appengine.api import namespace_manager
from google.appengine.api import taskqueue
from google.appengine.ext import deferred
from google.appengine.ext import ndb


class Counter(ndb.Model):
    count = ndb.IntegerProperty(default=0)
    deferred_count = ndb.IntegerProperty(default=0)
    tags = ndb.StringProperty(repeated=True)
    queues = ndb.StringProperty(repeated=True)


@ndb.transactional
def count_task(tag, queue):
    counter = Counter.get_or_insert('tasks')
    counter.count += 1
    counter.tags = sorted(set(counter.tags + [tag]))
    counter.queues = sorted(set(counter.queues + [queue]))
    counter.put()


@ndb.transactional
def _count_deferred_in_transaction():
    counter = Counter.get_or_insert('tasks')
    counter.deferred_count += 1
    counter.put()


def count_deferred():
    """A deferred task (pickled by name, so not itself a decorated function)."""
    _count_deferred_in_transaction()


def json_response(handler, value):
    handler.response.content_type = 'application/json'
    handler.response.write(json.dumps(value))


class Enqueue(webapp2.RequestHandler):
    def get(self):
        namespace_manager.set_namespace(self.request.get('namespace'))
        for _ in range(int(self.request.get('count'))):
            taskqueue.add(url='/task/count', headers={'X-Tenant-Tag': self.request.get('tag')})
        deferred.defer(count_deferred)


class CountTask(webapp2.RequestHandler):
    def post(self):
        memcache.incr('tasks', initial_value=0)
        count_task(self.request.headers.get('X-Tenant-Tag', ''),
                   self.request.headers.get('X-AppEngine-QueueName', ''))


class Counts(webapp2.RequestHandler):
    def get(self):
        namespace_manager.set_namespace(self.request.get('namespace'))
        counter = Counter.get_by_id('tasks') or Counter()
        json_response(self, {'memcache': memcache.get('tasks'), 'ndb': counter.count,
                             'deferred': counter.deferred_count, 'tags': counter.tags, 'queues': counter.queues})


class WhereAmI(webapp2.RequestHandler):
    def get(self):
        json_response(self, {'namespace': namespace_manager.get_namespace()})


app = webapp2.WSGIApplication([
    ('/enqueue', Enqueue),
    ('/task/count', CountTask),
    ('/counts', Counts),
    ('/whereami', WhereAmI),
])
