"""A CGI script (python27 put the request body on its stdin): prints the form fields it was sent as JSON."""

import cgi
import json

form = cgi.FieldStorage()
fields = dict((key, form.getfirst(key)) for key in form.keys())
print 'Content-Type: application/json'
print
print json.dumps(fields)
