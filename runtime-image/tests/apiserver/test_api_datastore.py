"""The datastore through the API server: ndb and db behave as on App Engine."""

import uuid

import pytest

from google.appengine.api import datastore_errors
from google.appengine.ext import db
from google.appengine.ext import ndb

from api_fixtures import APPLICATION_ID
class Greeting(ndb.Model):
    author = ndb.StringProperty()
    content = ndb.TextProperty()
    rank = ndb.IntegerProperty()


class Account(ndb.Model):
    balance = ndb.IntegerProperty(default=0)


class Note(db.Model):
    text = db.StringProperty()
    stars = db.IntegerProperty()


def unique(prefix):
    return '%s-%s' % (prefix, uuid.uuid4().hex[:8])


def test_ndb_put_then_get_returns_the_entity(api):
    key = Greeting(author='ada', content='hello', rank=1).put()

    greeting = key.get(use_cache=False, use_memcache=False)

    assert (greeting.author, greeting.content, greeting.rank) == ('ada', 'hello', 1)
    assert key.app() == APPLICATION_ID


def test_ndb_query_filters_and_orders(api):
    author = unique('author')
    for rank in (3, 1, 2):
        Greeting(author=author, rank=rank).put()

    ranks = [g.rank for g in Greeting.query(Greeting.author == author).order(Greeting.rank)]

    assert ranks == [1, 2, 3]


def test_ndb_ancestor_query_sees_only_the_group(api):
    book = ndb.Key('Book', unique('book'))
    Greeting(parent=book, content='inside').put()
    Greeting(parent=ndb.Key('Book', unique('other')), content='outside').put()

    contents = [g.content for g in Greeting.query(ancestor=book)]

    assert contents == ['inside']


def test_ndb_transaction_commits_its_writes(api):
    key = Account(id=unique('account'), balance=10).put()

    @ndb.transactional
    def withdraw():
        account = key.get()
        account.balance -= 3
        account.put()

    withdraw()

    assert key.get(use_cache=False, use_memcache=False).balance == 7


def test_ndb_transaction_that_raises_writes_nothing(api):
    key = Account(id=unique('account'), balance=10).put()

    @ndb.transactional
    def failing_withdraw():
        account = key.get()
        account.balance = 0
        account.put()
        raise ValueError('abort')

    with pytest.raises(ValueError):
        failing_withdraw()

    assert key.get(use_cache=False, use_memcache=False).balance == 10


def test_ndb_cross_group_transaction_moves_value_atomically(api):
    source = Account(id=unique('source'), balance=10).put()
    target = Account(id=unique('target'), balance=0).put()

    @ndb.transactional(xg=True)
    def transfer(amount):
        giver, taker = ndb.get_multi([source, target])
        giver.balance -= amount
        taker.balance += amount
        ndb.put_multi([giver, taker])

    transfer(4)

    balances = [a.balance for a in ndb.get_multi([source, target], use_cache=False, use_memcache=False)]
    assert balances == [6, 4]


def test_ndb_parallel_async_gets_all_complete(api):
    keys = ndb.put_multi([Greeting(rank=i) for i in range(5)])

    futures = [key.get_async(use_cache=False, use_memcache=False) for key in keys]

    assert [f.get_result().rank for f in futures] == list(range(5))


def test_db_model_put_get_and_gql(api):
    stars = 1000 + uuid.uuid4().int % 1000
    key = Note(text='db works', stars=stars).put()

    assert db.get(key).text == 'db works'
    assert [n.text for n in Note.gql('WHERE stars = :1', stars)] == ['db works']


def test_invalid_key_arrives_as_bad_request_error(api):
    with pytest.raises(datastore_errors.BadRequestError):
        ndb.Key('Greeting', 0).get(use_cache=False, use_memcache=False)


@pytest.mark.parametrize('application_id', ['apitest', 'dev~apitest', 's~apitest'])
def test_app_id_with_or_without_partition_is_accepted(api, monkeypatch, application_id):
    monkeypatch.setenv('APPLICATION_ID', application_id)
    key = Greeting(content=application_id).put()

    assert key.app() == application_id
    assert key.get(use_cache=False, use_memcache=False).content == application_id
