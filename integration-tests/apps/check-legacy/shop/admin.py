"""Back office: sign-in through the users API, tokens through OAuth, exports through the Files API."""

import webapp2
from google.appengine.api import files
from google.appengine.api import oauth
from google.appengine.api import users
from google.appengine.api.channel import channel
from google.appengine.api.labs import unheard_of_api


class Export(webapp2.RequestHandler):
    def get(self):
        if not users.is_current_user_admin() and not oauth.is_current_user_admin():
            self.abort(403)
        name = files.blobstore.create(mime_type='text/csv')
        channel.send_message('admin', name)
        unheard_of_api.notify(name)


app = webapp2.WSGIApplication([('/admin/export', Export)])
