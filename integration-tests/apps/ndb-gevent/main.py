"""Concurrent requests running ndb tasklets and async calls under gevent workers."""
import json

from google.appengine.ext import ndb


class Counter(ndb.Model):
    value = ndb.IntegerProperty(default=0)


class Item(ndb.Model):
    owner = ndb.StringProperty()
    position = ndb.IntegerProperty()


@ndb.tasklet
def put_items(owner, count):
    keys = yield [Item(owner=owner, position=i).put_async() for i in range(count)]
    raise ndb.Return(keys)


@ndb.tasklet
def read_back(keys):
    items = yield ndb.get_multi_async(keys)
    raise ndb.Return([item.position for item in items])


@ndb.transactional_tasklet
def increment(name):
    counter = (yield Counter.get_by_id_async(name)) or Counter(id=name)
    counter.value += 1
    yield counter.put_async()
    raise ndb.Return(counter.value)


def app(environ, start_response):
    if environ['PATH_INFO'] == '/increment':
        body = json.dumps({'value': increment('shared').get_result()})
    elif environ['PATH_INFO'] == '/counter':
        counter = Counter.get_by_id('shared')
        body = json.dumps({'value': counter.value if counter else 0})
    else:
        owner = environ.get('QUERY_STRING') or 'anonymous'
        keys = put_items(owner, 5).get_result()
        positions = read_back(keys).get_result()
        queried = Item.query(Item.owner == owner).count_async().get_result()
        body = json.dumps({'owner': owner, 'positions': positions, 'queried': queried})
    start_response('200 OK', [('Content-Type', 'application/json')])
    return [body]
