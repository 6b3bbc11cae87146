"""Reports who the SDK's users API says is signed in, and the platform headers the app received."""
import json
import os

from google.appengine.api import users

WARMUP_RECORD = '/tmp/warmup-seen.json'


def respond(start_response, payload):
    body = json.dumps(payload)
    start_response('200 OK', [('Content-Type', 'application/json'), ('Content-Length', str(len(body)))])
    return [body]


def app(environ, start_response):
    path = environ['PATH_INFO']
    if path == '/headers':
        return respond(start_response, dict((key, value) for key, value in environ.items()
                                            if key.startswith(('HTTP_X_APPENGINE', 'HTTP_X_GOOG', 'HTTP_X_PYTHON'))))
    if path == '/_ah/warmup':
        # Workers do not share memory: the container's file system is where every worker can read it.
        with open(WARMUP_RECORD, 'w') as record:
            json.dump({'is_admin': users.is_current_user_admin(), 'user': str(users.get_current_user())}, record)
        return respond(start_response, {'warmed': True})
    if path == '/warmup-seen':
        with open(WARMUP_RECORD) as record:
            return respond(start_response, json.load(record))
    if path.startswith('/_ah/'):
        return respond(start_response, {'mail_delivered_to': path, 'body': environ['wsgi.input'].read()})
    user = users.get_current_user()
    return respond(start_response, {
        'path': path,
        'email': user.email() if user else None,
        'user_id': user.user_id() if user else None,
        'nickname': user.nickname() if user else None,
        'is_admin': users.is_current_user_admin(),
        'login_url': users.create_login_url('/whoami'),
        'logout_url': users.create_logout_url('/whoami'),
        'environ': dict((key, os.environ.get(key)) for key in ('USER_EMAIL', 'USER_ID', 'USER_IS_ADMIN',
                                                              'USER_NICKNAME', 'USER_ORGANIZATION', 'AUTH_DOMAIN')),
    })
