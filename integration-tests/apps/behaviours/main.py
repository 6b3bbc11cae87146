"""A WSGI app whose routes expose what the runtime gives it, for the integration tests."""
import json
import logging
import os
import threading
import time

state = {'in_flight': 0, 'max_in_flight': 0}
lock = threading.Lock()


def respond(start_response, payload, status='200 OK'):
    body = json.dumps(payload)
    start_response(status, [('Content-Type', 'application/json'), ('Content-Length', str(len(body)))])
    return [body]


def app(environ, start_response):
    path = environ['PATH_INFO']
    query = dict(part.split('=', 1) for part in environ.get('QUERY_STRING', '').split('&') if '=' in part)
    if path == '/env':
        keys = query.get('keys', '').split(',')
        return respond(start_response, dict((key, os.environ.get(key)) for key in keys))
    if path == '/wsgi-env':
        return respond(start_response, dict((key, environ.get(key)) for key in query.get('keys', '').split(',')))
    if path == '/isolation':
        os.environ['PER_REQUEST_VALUE'] = query['value']
        time.sleep(float(query.get('sleep', '0.5')))
        return respond(start_response, {'value': os.environ.get('PER_REQUEST_VALUE'),
                                        'log_id': os.environ.get('REQUEST_LOG_ID')})
    if path == '/slow':
        with lock:
            state['in_flight'] += 1
            state['max_in_flight'] = max(state['max_in_flight'], state['in_flight'])
        time.sleep(float(query.get('seconds', '1')))
        with lock:
            state['in_flight'] -= 1
        return respond(start_response, {'slept': query.get('seconds', '1'), 'pid': os.getpid()})
    if path == '/max-in-flight':
        return respond(start_response, state)
    if path == '/log':
        logging.debug('debug record from the app')
        logging.getLogger('app.module').warning('warning record from the app')
        return respond(start_response, {'logged': True})
    if path == '/raise':
        raise RuntimeError('the app failed on purpose')
    if path == '/liveness_check':
        return respond(start_response, {'owner': 'app'})
    if path == '/headers':
        return respond(start_response, dict((k, v) for k, v in environ.items() if k.startswith('HTTP_')))
    return respond(start_response, {'path': path, 'remote_addr': environ.get('REMOTE_ADDR'),
                                    'scheme': environ.get('wsgi.url_scheme')})
