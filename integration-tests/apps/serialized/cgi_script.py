"""A python27 CGI handler: prints its own headers."""
import os

if os.environ['PATH_INFO'] == '/cgi/moved':
    print 'Status: 301 Moved Permanently'
    print 'Location: /cgi/new-place'
    print
else:
    print 'Content-Type: text/plain'
    print
    print 'cgi says %s %s' % (os.environ['REQUEST_METHOD'], os.environ.get('QUERY_STRING', ''))
