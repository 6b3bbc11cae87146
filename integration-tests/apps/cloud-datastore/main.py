"""An App Engine app that reads, queries and updates its existing data through ndb and db, unchanged.

Every handler answers JSON: the repr of each property as the app sees it, or what it did.
"""

import datetime
import json

import webapp2
from google.appengine.api import datastore_errors
from google.appengine.api import users
from google.appengine.ext import db
from google.appengine.ext import ndb

from models import DbLegacy, Inner, Legacy

PARENT = ndb.Key('Parent', 'p1')


def as_json(handler, data):
    handler.response.content_type = 'application/json'
    handler.response.write(json.dumps(data, sort_keys=True))


def ndb_properties(entity):
    values = dict((name, repr(getattr(entity, name))) for name in entity._properties)
    values['__key__'] = entity.key.urlsafe()
    return values


class NdbGet(webapp2.RequestHandler):
    def get(self):
        entity = ndb.Key(urlsafe=self.request.get('urlsafe')).get(use_cache=False, use_memcache=False)
        as_json(self, ndb_properties(entity) if entity else None)


class NdbTouch(webapp2.RequestHandler):
    def post(self):
        entity = ndb.Key(urlsafe=self.request.get('urlsafe')).get(use_cache=False, use_memcache=False)
        entity.int_p += 1
        entity.put(use_cache=False, use_memcache=False)
        as_json(self, entity.int_p)


class NdbQuery(webapp2.RequestHandler):
    def get(self):
        query = Legacy.query(Legacy.str_p == 'hello', ancestor=PARENT).order(-Legacy.int_p)
        as_json(self, [key.urlsafe() for key in query.fetch(keys_only=True)])


class NdbNamespace(webapp2.RequestHandler):
    def get(self):
        found = Legacy.query(namespace=self.request.get('namespace')).fetch()
        as_json(self, [ndb_properties(entity) for entity in found])


class NdbNeedIndex(webapp2.RequestHandler):
    def get(self):
        query = Legacy.query(ancestor=PARENT).filter(Legacy.float_p > 1.0).order(Legacy.float_p, -Legacy.bool_p)
        try:
            query.fetch(1)
            as_json(self, 'no error')
        except datastore_errors.NeedIndexError as error:
            as_json(self, type(error).__name__)


class NdbCreate(webapp2.RequestHandler):
    def post(self):
        key = Legacy(
            id=self.request.get('name'), parent=PARENT, int_p=42, float_p=2.5, bool_p=True, str_p='hello',
            bytes_p=b'\x00\x01bytes', text_p=u'long text \u00e9', blob_p=b'\xff' * 600,
            dt_p=datetime.datetime(2015, 6, 7, 8, 9, 10, 123456), date_p=datetime.date(2014, 1, 2),
            time_p=datetime.time(13, 14, 15), geo_p=ndb.GeoPt(52.5, 13.4),
            user_p=users.User('ada@example.com', _user_id='1234'), key_p=ndb.Key('Other', 5, app='e~elsewhere-app'),
            rep_p=[1, 2, 3], struct_p=Inner(name=u's', n=1), local_p=Inner(name=u'inner', n=7),
            json_p={'a': [1, 2]}, pickle_p={'x': 1}).put()
        as_json(self, key.urlsafe())


class DbGet(webapp2.RequestHandler):
    def get(self):
        entity = DbLegacy.get(self.request.get('key'))
        values = dict((name, repr(getattr(entity, name))) for name in DbLegacy.properties() if name != 'ref_p')
        values['ref_p'] = repr(DbLegacy.ref_p.get_value_for_datastore(entity))
        as_json(self, values)


class DbTouch(webapp2.RequestHandler):
    def post(self):
        entity = DbLegacy.get(self.request.get('key'))
        entity.int_p += 1
        entity.put()
        as_json(self, entity.int_p)


class DbQuery(webapp2.RequestHandler):
    def get(self):
        query = DbLegacy.all().ancestor(db.Key.from_path('Parent', 'p1')).filter('list_p =', 6)
        as_json(self, [str(key) for key in query.run(keys_only=True)])


app = webapp2.WSGIApplication([
    ('/ndb/get', NdbGet), ('/ndb/touch', NdbTouch), ('/ndb/query', NdbQuery), ('/ndb/namespace', NdbNamespace),
    ('/ndb/need-index', NdbNeedIndex), ('/ndb/create', NdbCreate),
    ('/db/get', DbGet), ('/db/touch', DbTouch), ('/db/query', DbQuery),
])
