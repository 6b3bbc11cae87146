"""A `threadsafe: false` app: records how many requests ever ran at once, and warmup calls."""
import json
import threading
import time

state = {'in_flight': 0, 'max_in_flight': 0, 'warmups': 0}
lock = threading.Lock()


def app(environ, start_response):
    path = environ['PATH_INFO']
    if path == '/_ah/warmup':
        time.sleep(2)  # a slow warmup: readiness must wait for it
        state['warmups'] += 1
    elif path == '/slow':
        with lock:
            state['in_flight'] += 1
            state['max_in_flight'] = max(state['max_in_flight'], state['in_flight'])
        time.sleep(0.5)
        with lock:
            state['in_flight'] -= 1
    body = json.dumps(state)
    start_response('200 OK', [('Content-Type', 'application/json')])
    return [body]
