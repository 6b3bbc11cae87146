"""Customer pages: products from ndb, cached in memcache, orders mailed and queued."""

import webapp2
from google.appengine.api import mail
from google.appengine.api import memcache
from google.appengine.api import taskqueue
from google.appengine.api import users
from google.appengine.ext import deferred
from google.appengine.ext import ndb


class Product(ndb.Model):
    name = ndb.StringProperty()


class Home(webapp2.RequestHandler):
    def get(self):
        products = memcache.get('products') or Product.query().fetch(20)
        self.response.write(', '.join(product.name for product in products))


app = webapp2.WSGIApplication([('/', Home)])
