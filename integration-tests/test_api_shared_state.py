"""Shared state: every gunicorn worker of a container, and every app container pointed at one API server
container, sees the same datastore entities and memcache values."""

import concurrent.futures
import uuid

from api_server_container import API_PORT, API_SERVER_SECRET, api_server_container

SHARED_APP_ID = 'dev~shared-app'
NAMES = ['item%02d' % n for n in range(24)]
# What is written and read back: (path that writes, path that reads) per kind of shared state.
KINDS = {'entity': ('/note/put', '/note/get'), 'memcache': ('/value/set', '/value/get')}
MAX_READ_ROUNDS = 10
# Reads of each not-yet-seen value per app per round, in parallel: which worker accepts a new connection is up
# to the kernel and often the same one several times running, so one read per round left a value unseen by
# the other worker after all rounds in one CI run of several.
READS_PER_ROUND = 4
# Increments sent at once to both workers of one container.
INCREMENTS = 300
# Transactional increments of one entity sent at once to both workers of one container.
TRANSACTIONS = 100


def _call(app, path, **params):
    response = app.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _in_parallel(function, items, workers=8):
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(function, items))


def _text(run, kind, name):
    return '%s-%s-%s' % (kind, run, name)


def write_all(apps, run):
    """Writes an entity and a memcache value per name, spreading the writes over `apps`; returns
    {(kind, name): (app index, worker pid) that wrote it}."""
    def write(item):
        n, (kind, name) = item
        index = n % len(apps)
        reply = _call(apps[index], KINDS[kind][0], name=run + name, text=_text(run, kind, name))
        return (kind, name), (index, reply['worker'])
    return dict(_in_parallel(write, list(enumerate((kind, name) for name in NAMES for kind in KINDS))))


def read_until_every_value_was_read_elsewhere(apps, run, writers):
    """Reads every value through every app, in rounds, until each one has also been read by a worker other
    than the one that wrote it (bounded); returns the (kind, name) of values no other worker has read and the
    reads that returned something other than what was written."""
    def read(item):
        index, (kind, name) = item
        reply = _call(apps[index], KINDS[kind][1], name=run + name)
        return (kind, name), (index, reply['worker']), reply['text']
    unseen, wrong = set(writers), []
    for _ in range(MAX_READ_ROUNDS):
        items = [(index, key) for index in range(len(apps)) for key in sorted(unseen)] * READS_PER_ROUND
        for key, reader, text in _in_parallel(read, items):
            if text != _text(run, *key):
                wrong.append((key, reader, text))
            if reader != writers[key]:
                unseen.discard(key)
        if not unseen:
            break
    return unseen, wrong


def test_all_workers_of_a_container_see_the_same_entities_and_memcache_values(app_image, start_app):
    with start_app(app_image('api-shared-state'), environment={'WEB_CONCURRENCY': '2'}) as app:
        app.settled_worker_count()  # both workers have booted
        run = uuid.uuid4().hex[:8]
        writers = write_all([app], run)
        unseen, wrong = read_until_every_value_was_read_elsewhere([app], run, writers)
    assert len(set(writers.values())) == 2, 'one worker served every write'
    assert wrong == []
    assert unseen == set()


def test_concurrent_memcache_increments_from_every_worker_are_each_counted_once(app_image, start_app):
    """Each worker serves memcache itself from the container's shared file: increments racing in both workers
    must still hand out every count exactly once."""
    with start_app(app_image('api-shared-state'), environment={'WEB_CONCURRENCY': '2'}) as app:
        app.settled_worker_count()
        replies = _in_parallel(lambda _: _call(app, '/hit'), range(INCREMENTS), workers=16)
    assert sorted(reply['hits'] for reply in replies) == list(range(1, INCREMENTS + 1))
    assert len(set(reply['worker'] for reply in replies)) == 2, 'one worker served every increment'


def test_concurrent_transactions_from_every_worker_each_commit_once(app_image, start_app):
    """Both workers make their datastore calls themselves on one file: a transaction that read the tally fails if
    another process committed it meanwhile, and its retry counts again."""
    with start_app(app_image('api-shared-state'), environment={'WEB_CONCURRENCY': '2'}) as app:
        app.settled_worker_count()
        replies = _in_parallel(lambda _: _call(app, '/tally/increment', name='shared'), range(TRANSACTIONS),
                               workers=8)
    assert sorted(reply['count'] for reply in replies) == list(range(1, TRANSACTIONS + 1))
    assert len(set(reply['worker'] for reply in replies)) == 2, 'one worker served every transaction'


def test_two_app_containers_on_one_api_server_see_the_same_entities_and_memcache_values(
        docker_client, runtime_image, app_image, start_app, bridge_network):
    image = app_image('api-shared-state')
    with api_server_container(docker_client, runtime_image, bridge_network, SHARED_APP_ID) as api_server:
        environment = {'API_HOST': api_server.name, 'API_PORT': str(API_PORT), 'APPLICATION_ID': SHARED_APP_ID,
                       'API_SERVER_SECRET': API_SERVER_SECRET, 'WEB_CONCURRENCY': '1'}
        with start_app(image, environment=environment, network=bridge_network.name) as first, \
                start_app(image, environment=environment, network=bridge_network.name) as second:
            run = uuid.uuid4().hex[:8]
            writers = write_all([first, second], run)
            unseen, wrong = read_until_every_value_was_read_elsewhere([first, second], run, writers)
    assert {index for index, _ in writers.values()} == {0, 1}
    assert wrong == []
    assert unseen == set()
