"""A python27 guestbook: ndb entities, memcache, the users API, jinja2 templates."""
import os

import jinja2
import webapp2
from google.appengine.api import memcache
from google.appengine.api import users
from google.appengine.ext import ndb

TEMPLATES = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.join(os.path.dirname(__file__), 'templates')),
                               autoescape=True)


class Greeting(ndb.Model):
    author = ndb.StringProperty()
    content = ndb.StringProperty(indexed=False)
    date = ndb.DateTimeProperty(auto_now_add=True)


def guestbook_key():
    return ndb.Key('Guestbook', 'default')


class MainPage(webapp2.RequestHandler):
    def get(self):
        greetings = Greeting.query(ancestor=guestbook_key()).order(-Greeting.date).fetch(20)
        user = users.get_current_user()
        self.response.write(TEMPLATES.get_template('index.html').render(
            title=os.environ['GUESTBOOK_TITLE'], greetings=greetings, user=user,
            login_url=users.create_login_url(self.request.uri), logout_url=users.create_logout_url('/'),
            visits=memcache.incr('visits', initial_value=0), app_id=os.environ['APPLICATION_ID']))

    def post(self):
        user = users.get_current_user()
        Greeting(parent=guestbook_key(), author=user.email() if user else 'anonymous',
                 content=self.request.get('content')).put()
        self.redirect('/')


class AdminPage(webapp2.RequestHandler):
    def get(self):
        self.response.write('Hello, administrator %s: %d greetings stored.'
                            % (users.get_current_user().email(), Greeting.query(ancestor=guestbook_key()).count()))


app = webapp2.WSGIApplication([('/', MainPage), ('/sign', MainPage), ('/admin', AdminPage)])
