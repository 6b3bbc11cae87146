"""Adds named tasks to a pull queue, answering 200 only once taskqueue.add returned; lists every task stored."""
import json
import urlparse

from google.appengine.api import taskqueue

QUEUE = 'acknowledged'
LEASE_SECONDS = 3600
LEASE_BATCH = 1000


def respond(start_response, status, body):
    start_response(status, [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
    return [body]


def app(environ, start_response):
    query = urlparse.parse_qs(environ.get('QUERY_STRING', ''))
    if environ['PATH_INFO'] == '/add':
        name = query['name'][0]
        try:
            taskqueue.add(name=name, queue_name=QUEUE, method='PULL', payload=name)
        except Exception as error:  # pylint: disable=broad-except
            return respond(start_response, '503 Service Unavailable', 'not added: %r' % error)
        return respond(start_response, '200 OK', 'added')
    if environ['PATH_INFO'] == '/names':
        names = []
        while True:
            leased = taskqueue.Queue(QUEUE).lease_tasks(LEASE_SECONDS, LEASE_BATCH)
            names.extend(task.name for task in leased)
            if len(leased) < LEASE_BATCH:
                return respond(start_response, '200 OK', json.dumps(names))
    return respond(start_response, '404 Not Found', 'not found')
