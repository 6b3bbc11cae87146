"""Blobstore the App Engine way: a form posting to create_upload_url, an upload handler that redirects to the
blob, and a download handler that sends it (with the request's Range honoured). /upload-url takes the session's
limits as parameters; /blob-count counts the BlobInfo entities."""
import webapp2

from google.appengine.ext import blobstore
from google.appengine.ext.webapp import blobstore_handlers


class FormPage(webapp2.RequestHandler):
    def get(self):
        upload_url = blobstore.create_upload_url('/upload')
        self.response.write('<form action="%s" method="POST" enctype="multipart/form-data">'
                            '<input type="file" name="file"><input type="submit"></form>' % upload_url)


class UploadUrl(webapp2.RequestHandler):
    def get(self):
        limits = dict((name, int(self.request.get(name))) for name in ('max_bytes_per_blob', 'max_bytes_total')
                      if self.request.get(name))
        self.response.write(blobstore.create_upload_url('/upload', **limits))


class Upload(blobstore_handlers.BlobstoreUploadHandler):
    def post(self):
        upload = self.get_uploads('file')[0]
        self.redirect('/serve/%s' % upload.key())


class Serve(blobstore_handlers.BlobstoreDownloadHandler):
    def get(self, key):
        self.send_blob(key, use_range=True)


class BlobCount(webapp2.RequestHandler):
    def get(self):
        self.response.write(str(blobstore.BlobInfo.all().count()))


app = webapp2.WSGIApplication([('/', FormPage), ('/upload-url', UploadUrl), ('/upload', Upload),
                               ('/serve/([^/]+)', Serve), ('/blob-count', BlobCount)])
