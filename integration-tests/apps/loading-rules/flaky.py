"""Fails the first time it is imported in the container (at start-up), imports fine afterwards: App Engine
retried a failed import on the next request, and so does the runtime."""

import os

MARKER = '/tmp/flaky-imported-once'

if not os.path.exists(MARKER):
    open(MARKER, 'w').close()
    raise RuntimeError('a service this module needs at import time is not up yet')


def app(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return ['flaky, imported on retry']
