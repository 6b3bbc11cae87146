"""Back office: sign-in through the users API, tokens through OAuth, exports through the Files API."""

import webapp2
from google.appengine.api import files
from google.appengine.api import oauth
from google.appengine.api import users
from google.appengine.api.channel import channel
from google.appengine.api.labs import unheard_of_api

app = webapp2.WSGIApplication([])
