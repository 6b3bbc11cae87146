"""The in-process-stub twin of an app, for the benchmarks: bare gunicorn serves the app in /app with the SDK's
service stubs inside each worker (no API server, no request pipeline), the limit of this runtime's architecture,
with App Engine's per-request ndb context and the accept policy of the runtime's workers.

    gunicorn -k gevent --pythonpath /bench --chdir /app inprocess_twin:app      (TWIN_APP=module:attribute)

Each worker registers its own stubs with its own storage directory: what they hold is not shared between
workers (a benchmark's counters only need to be valid, not shared). The app's env_variables are set from app.yaml
as App Engine would. Python 2.7, inside the runtime image.
"""

import os
import sys

import yaml

sys.path.insert(0, '/app')
with open('/app/app.yaml') as app_yaml:
    os.environ.update((str(name), str(value)) for name, value in
                      (yaml.safe_load(app_yaml).get('env_variables') or {}).items())
os.environ.setdefault('APPLICATION_ID', 'dev~bench')
os.environ.setdefault('AUTH_DOMAIN', 'gmail.com')
os.environ.setdefault('SERVER_SOFTWARE', 'Development/bench')
os.environ.setdefault('CURRENT_VERSION_ID', 'v1.1')
os.environ.setdefault('DEFAULT_VERSION_HOSTNAME', 'localhost:8080')

from python_compat.apiclient import greenlet_state  # noqa: E402
from python_compat.apiserver import config  # noqa: E402
from python_compat.apiserver import services  # noqa: E402

# As the runtime's worker (serving/graceful_worker.py): new connections go to the worker holding the fewest, so
# wrk's connections are spread over the workers rather than mostly taken by one; the twin measures the API
# server's cost, not who won the accept race. Set in the worker, where gunicorn imports this module before its
# servers are made; WEB_CONCURRENCY is also what gunicorn takes its worker count from.
from python_compat.serving import graceful_worker  # noqa: E402

graceful_worker.spread_new_connections(int(os.environ.get('WEB_CONCURRENCY', '1')))

services.register_stubs(config.ApiServerConfig(os.environ['APPLICATION_ID'],
                                               storage_path='/tmp/inprocess-stubs-%d' % os.getpid()))
# As the runtime does: ndb's state per greenlet, so concurrent requests of a gevent worker stay apart.
greenlet_state.make_sdk_state_greenlet_local()

_module, _, _attribute = os.environ.get('TWIN_APP', 'main:app').partition(':')
_app = getattr(__import__(_module), _attribute)


def app(environ, start_response):
    """The app with App Engine's ndb semantics: a new ndb context for every request. App Engine made one per request
    (so does the runtime, whose os.environ is per request); this process's os.environ is not, and without this a
    keep-alive connection's later requests would read ndb's in-context cache instead of calling the datastore."""
    if 'google.appengine.ext.ndb' in sys.modules:
        from google.appengine.ext.ndb import tasklets
        tasklets.set_context(None)
    return _app(environ, start_response)
