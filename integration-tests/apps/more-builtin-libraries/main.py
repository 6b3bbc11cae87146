"""Imports each library app.yaml names (and the ones they require) and reports where each came from."""

import importlib
import json
import os

MODULES = ['grpc', 'google.protobuf', 'enum', 'concurrent.futures', 'pkg_resources', 'six', 'crcmod', 'psycopg2',
           'ujson', 'PIL.Image', 'ssl', 'flask', 'click', 'itsdangerous', 'jinja2', 'werkzeug', 'endpoints',
           'protorpc', 'pyamf', 'webapp2', 'webob', 'pytz', 'yaml']


def describe(name):
    try:
        module = importlib.import_module(name)
    except Exception as error:  # reported, so the test names every library that fails
        return {'error': '%s: %s' % (type(error).__name__, error)}
    return {'file': os.path.realpath(getattr(module, '__file__', '') or '')}


def uses():
    import crcmod.predefined
    import psycopg2.extensions
    import ujson
    from PIL import Image
    import pytz
    return {
        'crc32': crcmod.predefined.mkCrcFun('crc-32')(b'123456789'),
        'psycopg2_quote': psycopg2.extensions.adapt("it's").getquoted(),
        'ujson': ujson.loads(ujson.dumps({'a': [1, 2]})),
        'pil_size': list(Image.new('RGB', (3, 2)).size),
        'pytz': pytz.timezone('Europe/Paris').zone,
    }


def app(environ, start_response):
    body = json.dumps({'modules': dict((name, describe(name)) for name in MODULES), 'uses': uses()})
    start_response('200 OK', [('Content-Type', 'application/json')])
    return [body]
