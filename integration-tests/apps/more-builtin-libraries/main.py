"""Imports each library app.yaml names (and the ones they require) and reports where each came from."""

import importlib
import json
import os

MODULES = ['grpc', 'google.protobuf', 'enum', 'concurrent.futures', 'pkg_resources', 'six', 'crcmod', 'psycopg2',
           'ujson', 'PIL.Image', 'ssl', 'flask', 'click', 'itsdangerous', 'jinja2', 'werkzeug', 'endpoints',
           'protorpc', 'pyamf', 'webapp2', 'webob', 'pytz', 'yaml', 'MySQLdb', 'lxml.etree']


def describe(name):
    try:
        module = importlib.import_module(name)
    except Exception as error:  # reported, so the test names every library that fails
        return {'error': '%s: %s' % (type(error).__name__, error)}
    return {'file': os.path.realpath(getattr(module, '__file__', '') or '')}


def mysqldb_uses():
    """The MySQLdb API a Cloud SQL app calls, short of a server: connecting over a Unix socket fails as it should."""
    import MySQLdb
    import MySQLdb.cursors
    try:
        MySQLdb.connect(unix_socket='/cloudsql/no-such-instance', user='root', db='app')
        connect_error = None
    except MySQLdb.OperationalError as error:
        connect_error = error.args[0]
    return {'version_info': list(MySQLdb.version_info), 'escaped': MySQLdb.escape_string("it's"),
            'connect_error': connect_error, 'dict_cursor': issubclass(MySQLdb.cursors.DictCursor,
                                                                       MySQLdb.cursors.BaseCursor)}


def lxml_uses():
    """lxml 2.3, built against the libxml2, libxslt and ICU the child build installed with dpkg."""
    from lxml import etree
    transform = etree.XSLT(etree.XML('<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
                                     '<xsl:template match="/"><b><xsl:value-of select="/a"/></b></xsl:template>'
                                     '</xsl:stylesheet>'))
    return {'version': list(etree.LXML_VERSION), 'xslt': str(transform(etree.XML('<a>x</a>'))).strip()}


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
        'mysqldb': mysqldb_uses(),
        'lxml': lxml_uses(),
    }


def app(environ, start_response):
    body = json.dumps({'modules': dict((name, describe(name)) for name in MODULES), 'uses': uses()})
    start_response('200 OK', [('Content-Type', 'application/json')])
    return [body]
