"""A CGI report (threadsafe: false)."""

print 'Content-Type: text/plain'
print
print 'report'
