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


def archive(order_id):
    """Run later through deferred."""
    return order_id


class Home(webapp2.RequestHandler):
    def get(self):
        products = memcache.get('products') or Product.query().fetch(20)
        self.response.write(', '.join(product.name for product in products))

    def post(self):
        customer = users.get_current_user()
        mail.send_mail('shop@example.com', customer.email(), 'Your order', 'Thank you.')
        taskqueue.add(url='/tasks/ship', params={'customer': customer.email()})
        deferred.defer(archive, self.request.get('order'))


app = webapp2.WSGIApplication([('/', Home)])
