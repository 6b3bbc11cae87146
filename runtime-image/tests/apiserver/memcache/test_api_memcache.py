"""memcache through the API server: App Engine semantics, misses as misses."""

import uuid

from google.appengine.api import memcache



def unique_key():
    return 'key-%s' % uuid.uuid4().hex


def test_set_then_get_returns_the_value(api):
    key = unique_key()

    assert memcache.set(key, {'any': ['picklable', 1]})
    assert memcache.get(key) == {'any': ['picklable', 1]}


def test_get_of_a_missing_key_is_none(api):
    assert memcache.get(unique_key()) is None


def test_incr_of_a_missing_key_is_none_unless_initial_value_given(api):
    key = unique_key()

    assert memcache.incr(key) is None
    assert memcache.incr(key, delta=2, initial_value=10) == 12
    assert memcache.decr(key) == 11


def test_add_does_not_replace_an_existing_value(api):
    key = unique_key()

    assert memcache.add(key, 'first')
    assert not memcache.add(key, 'second')
    assert memcache.get(key) == 'first'


def test_cas_succeeds_once_then_fails_on_a_stale_read(api):
    key = unique_key()
    memcache.set(key, 1)
    first, second = memcache.Client(), memcache.Client()
    assert first.gets(key) == 1
    assert second.gets(key) == 1

    assert first.cas(key, 2)
    assert not second.cas(key, 3)
    assert memcache.get(key) == 2


def test_namespaces_keep_values_apart(api):
    key = unique_key()
    memcache.set(key, 'in a', namespace='a')
    memcache.set(key, 'in b', namespace='b')

    assert memcache.get(key, namespace='a') == 'in a'
    assert memcache.get(key, namespace='b') == 'in b'
    assert memcache.get(key) is None


def test_multi_calls_and_delete(api):
    keys = [unique_key() for _ in range(3)]

    assert memcache.set_multi(dict.fromkeys(keys, 'v')) == []
    assert memcache.get_multi(keys) == dict.fromkeys(keys, 'v')
    assert memcache.delete(keys[0]) == memcache.DELETE_SUCCESSFUL
    assert sorted(memcache.get_multi(keys)) == sorted(keys[1:])
