"""Uses each library it names in app.yaml the way an App Engine app did, and reports versions and results."""

import json

import django
from django.conf import settings
settings.configure(TEMPLATES=[{'BACKEND': 'django.template.backends.django.DjangoTemplates'}])
django.setup()
from django.template import Context, Engine

import lxml
from lxml import etree, html
import numpy

import Crypto
from Crypto import Random
from Crypto.Cipher import AES, PKCS1_OAEP
from Crypto.Hash import SHA256
from Crypto.PublicKey import RSA
from Crypto.Signature import PKCS1_v1_5
from Crypto.Util import number


def crypto_results():
    key, iv = b'k' * 16, b'i' * 16
    cbc = AES.new(key, AES.MODE_CBC, iv).encrypt(b'sixteen byte msg')
    # pycrypto's AES.new(key) defaulted to ECB: App Engine-era code relies on it.
    ecb = AES.new(key).encrypt(b'sixteen byte msg')
    rsa_key = RSA.generate(1024, Random.new().read)
    oaep = PKCS1_OAEP.new(rsa_key).decrypt(PKCS1_OAEP.new(rsa_key.publickey()).encrypt(b'secret'))
    digest = SHA256.new(b'signed')
    signature = PKCS1_v1_5.new(rsa_key).sign(digest)
    return {
        'version': Crypto.__version__,
        'cbc_roundtrip': AES.new(key, AES.MODE_CBC, iv).decrypt(cbc) == b'sixteen byte msg',
        'ecb_default': AES.new(key, AES.MODE_ECB).decrypt(ecb) == b'sixteen byte msg',
        'random_bytes': len(Random.new().read(16)),
        'sha256': SHA256.new(b'abc').hexdigest(),
        'oaep_roundtrip': oaep == b'secret',
        'signature_verifies': PKCS1_v1_5.new(rsa_key.publickey()).verify(digest, signature),
        'raw_rsa_roundtrip': rsa_key.decrypt(rsa_key.publickey().encrypt(b'raw', 32)[0]) == b'raw',
        'number': number.bytes_to_long(b'\x01\x00'),
        'file': Crypto.__file__,
    }


def app(environ, start_response):
    page = html.fromstring('<div><p class="x">one</p><p>two</p></div>')
    matrix = numpy.arange(6).reshape(2, 3)
    body = json.dumps({
        'django': {'version': django.get_version(), 'file': django.__file__,
                   'rendered': Engine().from_string('Hello {{ name }}').render(Context({'name': 'django'}))},
        'lxml': {'version': lxml.etree.__version__, 'file': lxml.__file__,
                 'xpath': page.xpath('//p[@class="x"]/text()'),
                 'xml': etree.tostring(etree.fromstring('<a><b>1</b></a>').find('b'))},
        'numpy': {'version': numpy.__version__, 'file': numpy.__file__,
                  'dot': numpy.dot(matrix, matrix.T).tolist()},
        'pycrypto': crypto_results(),
    })
    start_response('200 OK', [('Content-Type', 'application/json')])
    return [body]
