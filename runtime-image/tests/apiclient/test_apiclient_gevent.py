"""Under gevent (as in a gunicorn gevent worker) API calls yield: greenlets' calls overlap."""

import subprocess
import sys

from api_fixtures import APPLICATION_ID, SLOW_RESPONSE_SECONDS, slow_http_server
GEVENT_APP = '''
from gevent import monkey
monkey.patch_all()
import os, sys, time
import gevent
from python_compat import apiclient
apiclient.install('127.0.0.1', int(os.environ['API_PORT']))
from google.appengine.api import memcache, urlfetch

url = sys.argv[1]
started = time.time()
slow_fetches = [gevent.spawn(urlfetch.fetch, url, deadline=10) for _ in range(3)]
gevent.sleep(0.2)
fast_started = time.time()
memcache.set('gevent-probe', 'fast')
assert memcache.get('gevent-probe') == 'fast'
fast_seconds = time.time() - fast_started
gevent.joinall(slow_fetches, raise_error=True)
print('%.3f %.3f %s' % (fast_seconds, time.time() - started, ','.join(g.value.content for g in slow_fetches)))
'''


NDB_GREENLETS_APP = '''
from gevent import monkey
monkey.patch_all()
import os
import gevent
from python_compat import apiclient
apiclient.install('127.0.0.1', int(os.environ['API_PORT']))
from google.appengine.ext import ndb

class Visit(ndb.Model):
    count = ndb.IntegerProperty(default=0)

def request(n):
    # Each greenlet runs its own ndb event loop: transactions, parallel gets and puts interleave freely.
    for i in range(10):
        Visit.get_or_insert('page-%d' % (i % 3))
        ndb.get_multi([ndb.Key(Visit, 'page-%d' % j) for j in range(3)])
        Visit(id='greenlet-%d-%d' % (n, i)).put()

gevent.joinall([gevent.spawn(request, n) for n in range(20)], raise_error=True)
print(len(Visit.query().fetch(keys_only=True)))
'''


def run_gevent_app(source, api_server, *args):
    return subprocess.check_output(
        [sys.executable, '-c', source] + list(args),
        env={'API_HOST': '127.0.0.1', 'API_PORT': str(api_server.port), 'APPLICATION_ID': APPLICATION_ID})


def test_greenlets_calls_overlap_and_a_fast_call_is_not_stalled(api_server):
    with slow_http_server() as url:
        output = run_gevent_app(GEVENT_APP, api_server, url)

    fast_seconds, total_seconds, contents = output.split()
    assert contents == 'slow,slow,slow'
    assert float(fast_seconds) < SLOW_RESPONSE_SECONDS / 3
    # Three slow fetches side by side take about as long as one.
    assert float(total_seconds) < 2 * SLOW_RESPONSE_SECONDS


def test_concurrent_greenlets_each_get_their_own_ndb_event_loop(api_server):
    output = run_gevent_app(NDB_GREENLETS_APP, api_server)

    assert int(output) == 3 + 20 * 10
