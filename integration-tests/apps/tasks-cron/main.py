"""Push tasks, deferred and cron: every run the platform makes is recorded in the datastore for the tests."""

import json
import os
import time

import webapp2
from google.appengine.api import taskqueue
from google.appengine.ext import deferred
from google.appengine.ext import ndb


class Record(ndb.Model):
    kind = ndb.StringProperty()
    at = ndb.FloatProperty()
    data = ndb.JsonProperty()


class Attempts(ndb.Model):
    count = ndb.IntegerProperty(default=0)


def record(kind, **data):
    Record(kind=kind, at=time.time(), data=data).put()


def platform_headers(request):
    return dict((name, value) for name, value in request.headers.items() if name.lower().startswith('x-appengine-'))


def side_effect_after_one_failure(marker):
    """Deferred: the first attempt fails before its side effect; the retry performs it."""
    attempts = Attempts.get_or_insert(marker)
    attempts.count += 1
    attempts.put()
    if attempts.count == 1:
        raise RuntimeError('first attempt fails on purpose')
    record('side-effect', marker=marker)


class EnqueueDeferred(webapp2.RequestHandler):
    def get(self):
        deferred.defer(side_effect_after_one_failure, self.request.get('marker'))


class EnqueuePush(webapp2.RequestHandler):
    def get(self):
        countdown = float(self.request.get('countdown', '0'))
        record('enqueued', countdown=countdown)
        taskqueue.add(url='/task/record', countdown=countdown, params={'tag': self.request.get('tag')})


class EnqueueFailing(webapp2.RequestHandler):
    def get(self):
        taskqueue.add(queue_name='limited', url='/task/fail')


class RecordTask(webapp2.RequestHandler):
    def post(self):
        record('push', tag=self.request.get('tag'), headers=platform_headers(self.request),
               remote_addr=os.environ.get('REMOTE_ADDR'))


class FailingTask(webapp2.RequestHandler):
    def post(self):
        record('fail', retry_count=self.request.headers.get('X-AppEngine-TaskRetryCount'))
        self.abort(500)


class CronTick(webapp2.RequestHandler):
    def get(self):
        if self.request.headers.get('X-AppEngine-Cron') != 'true':
            self.abort(403)
        record('cron', pid=os.getpid())


class Records(webapp2.RequestHandler):
    def get(self):
        found = Record.query(Record.kind == self.request.get('kind')).fetch()
        self.response.content_type = 'application/json'
        self.response.write(json.dumps(sorted([dict(entity.data, at=entity.at) for entity in found],
                                              key=lambda item: item['at'])))


class EchoHeaders(webapp2.RequestHandler):
    def get(self):
        self.response.content_type = 'application/json'
        self.response.write(json.dumps(platform_headers(self.request)))


app = webapp2.WSGIApplication([
    ('/enqueue/deferred', EnqueueDeferred),
    ('/enqueue/push', EnqueuePush),
    ('/enqueue/failing', EnqueueFailing),
    ('/task/record', RecordTask),
    ('/task/fail', FailingTask),
    ('/cron/tick', CronTick),
    ('/records', Records),
    ('/echo-headers', EchoHeaders),
])
