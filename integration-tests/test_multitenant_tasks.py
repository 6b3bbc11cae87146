"""Push tasks as App Engine sent them (apps/multitenant): each runs in the namespace it was added in, with the
app's own headers and the platform's task headers; a client cannot choose the namespace by header."""

import time

import pytest

TENANTS = {'tenant-a': 3, 'tenant-b': 2, '': 1}


@pytest.fixture(scope='module')
def app(app_image, start_app):
    with start_app(app_image('multitenant'), environment={'WEB_CONCURRENCY': '2'}) as running:
        for namespace, count in TENANTS.items():
            response = running.get('/enqueue', params={'namespace': namespace, 'count': count,
                                                       'tag': 'tag-%s' % (namespace or 'default')})
            assert response.status_code == 200
        yield running


def counts_once_done(app, namespace, expected, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        counts = app.get('/counts', params={'namespace': namespace}).json()
        if (counts['ndb'], counts['deferred']) == (expected, 1) or time.monotonic() > deadline:
            return counts
        time.sleep(0.3)


@pytest.mark.parametrize('namespace', sorted(TENANTS))
def test_tasks_count_in_the_namespace_they_were_added_in_in_memcache_and_ndb(app, namespace):
    counts = counts_once_done(app, namespace, TENANTS[namespace])

    assert (counts['memcache'], counts['ndb'], counts['deferred']) == (TENANTS[namespace], TENANTS[namespace], 1)


def test_tasks_carry_the_apps_own_headers_and_the_platforms(app):
    counts = counts_once_done(app, 'tenant-a', TENANTS['tenant-a'])

    assert (counts['tags'], counts['queues']) == (['tag-tenant-a'], ['default'])


def test_a_client_cannot_choose_the_namespace_by_header(app):
    response = app.get('/whereami', headers={'X-AppEngine-Current-Namespace': 'tenant-a',
                                             'X-AppEngine-Default-Namespace': 'tenant-b'})

    assert response.json() == {'namespace': ''}
