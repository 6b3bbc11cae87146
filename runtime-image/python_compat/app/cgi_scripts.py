"""`script: file.py` handlers: python27 CGI programs run in this process, their printed output made a response."""

import cStringIO
import os
import sys

from python_compat import responses
from python_compat import sdk

# How app.yaml names a file of the SDK (the `$PYTHON_LIB/google/appengine/...` scripts of old app.yamls).
PYTHON_LIB_PREFIX = '$PYTHON_LIB/'


def is_cgi_script(script):
    """True for a CGI script: the python27 runtime ran `script:` as CGI when it ends in .py or has a '/'."""
    return script.endswith('.py') or '/' in script


def cgi_script_path(app_root, script):
    """The file a CGI `script:` runs, as the python27 runtime found it: relative to the app root, or to the SDK
    for `$PYTHON_LIB/...`; a directory means its __init__.py."""
    if script.startswith(PYTHON_LIB_PREFIX):
        path = os.path.join(sdk.sdk_root(), script[len(PYTHON_LIB_PREFIX):])
    else:
        path = os.path.join(app_root, script)
    if path.endswith(os.sep) or os.path.isdir(path):
        path = os.path.join(path, '__init__.py')
    return path


def cgi_script_problem(path):
    """Why the CGI script at `path` cannot run (missing, a syntax error), or None."""
    if not os.path.isfile(path):
        return 'file not found'
    try:
        with open(path) as script:
            compile(script.read(), path, 'exec')
    except SyntaxError as error:
        return 'line %s: %s' % (error.lineno, error.msg)
    return None


class CgiScript(object):
    """A python27 CGI handler: runs `file.py` as __main__ with the request on stdin and os.environ, and turns
    what it prints (headers, a blank line, the body) into a response. As on App Engine, a script that defines
    main() is run once and only main() is called on later requests. Needs `threadsafe: false` (stdout is
    process-wide), which the runtime enforces by serializing these calls."""

    def __init__(self, path):
        self.path = path
        self.cached_main = None

    def __call__(self, environ, start_response):
        stdin, stdout = sys.stdin, sys.stdout
        output = cStringIO.StringIO()
        sys.stdin = environ['wsgi.input']
        sys.stdout = output
        try:
            if self.cached_main is not None:
                self.cached_main()
            else:
                # Our own namespace, kept alive: runpy's temporary module would set the globals that a cached
                # main() needs to None once it is discarded.
                namespace = {'__name__': '__main__', '__file__': self.path, '__builtins__': __builtins__}
                execfile(self.path, namespace)
                if callable(namespace.get('main')):
                    self.cached_main = namespace['main']
        except SystemExit:
            pass
        finally:
            sys.stdin, sys.stdout = stdin, stdout
        return cgi_response(output.getvalue(), start_response)


def cgi_response(output, start_response):
    """A WSGI response from CGI output: `Status:` picks the status, `Location:` alone means 302.
    The body passes through byte for byte; only the header block's line endings are normalised."""
    ends = [(output.find(separator), separator) for separator in ('\r\n\r\n', '\n\n') if separator in output]
    if not ends:
        return responses.plain(start_response, 500, 'CGI script printed no header block\n')
    position, separator = min(ends)
    head, body = output[:position], output[position + len(separator):]
    headers = []
    status = None
    for line in head.replace('\r\n', '\n').split('\n'):
        name, colon, value = line.partition(':')
        if not colon:
            return responses.plain(start_response, 500, 'CGI script printed a malformed header line\n')
        name, value = name.strip(), value.strip()
        if name.lower() == 'status':
            status = value
        else:
            headers.append((name, value))
    if status is None:
        status = '302 Found' if any(name.lower() == 'location' for name, _ in headers) else '200 OK'
    if not any(name.lower() == 'content-length' for name, _ in headers):
        headers.append(('Content-Length', str(len(body))))
    start_response(status, headers)
    return [body]
