"""Left out by skip_files: its imports are not the app's."""

from google.appengine.ext import testbed
