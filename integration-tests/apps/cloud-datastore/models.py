"""The app's models: one property of every type ndb and db store, as an App Engine app defined them."""

from google.appengine.ext import db
from google.appengine.ext import ndb


class Inner(ndb.Model):
    name = ndb.StringProperty()
    n = ndb.IntegerProperty()


class Legacy(ndb.Model):
    int_p = ndb.IntegerProperty()
    float_p = ndb.FloatProperty()
    bool_p = ndb.BooleanProperty()
    str_p = ndb.StringProperty()
    bytes_p = ndb.BlobProperty(indexed=True)
    text_p = ndb.TextProperty()
    blob_p = ndb.BlobProperty()
    dt_p = ndb.DateTimeProperty()
    date_p = ndb.DateProperty()
    time_p = ndb.TimeProperty()
    geo_p = ndb.GeoPtProperty()
    user_p = ndb.UserProperty()
    key_p = ndb.KeyProperty()
    rep_p = ndb.IntegerProperty(repeated=True)
    struct_p = ndb.StructuredProperty(Inner)
    local_p = ndb.LocalStructuredProperty(Inner)
    json_p = ndb.JsonProperty()
    pickle_p = ndb.PickleProperty()
    computed_p = ndb.ComputedProperty(lambda self: (self.int_p or 0) * 2)


class DbLegacy(db.Model):
    str_p = db.StringProperty()
    text_p = db.TextProperty()
    blob_p = db.BlobProperty()
    dt_p = db.DateTimeProperty()
    list_p = db.ListProperty(int)
    ref_p = db.ReferenceProperty()
    user_p = db.UserProperty()
    geo_p = db.GeoPtProperty()
    link_p = db.LinkProperty()
    email_p = db.EmailProperty()
    rating_p = db.RatingProperty()
    int_p = db.IntegerProperty()
