print 'Content-Type: text/plain'
print
print 'report'
