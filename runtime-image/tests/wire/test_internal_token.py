"""internal: the runtime's own requests carry a secret token; nobody else can pass for the platform."""

import re

from python_compat.wire import internal_token


def marked(**environ):
    is_internal = internal_token.mark_if_internal(environ)
    return is_internal, environ


def test_token_is_random_hex_made_at_start_up():
    assert re.match(r'^[0-9a-f]{64}$', internal_token.token())
    assert internal_token.token() == internal_token.token()


def test_right_token_marks_the_request_internal_from_the_platform_address():
    is_internal, environ = marked(HTTP_X_PYTHON_COMPAT_INTERNAL=internal_token.token(), REMOTE_ADDR='127.0.0.1')

    assert is_internal is True
    assert environ[internal_token.ENVIRON_FLAG] is True
    assert environ['REMOTE_ADDR'] == '0.1.0.2'


def test_wrong_token_is_not_internal():
    is_internal, environ = marked(HTTP_X_PYTHON_COMPAT_INTERNAL='0' * 64, REMOTE_ADDR='198.51.100.7')

    assert is_internal is False
    assert environ[internal_token.ENVIRON_FLAG] is False
    assert environ['REMOTE_ADDR'] == '198.51.100.7'


def test_empty_token_is_not_internal():
    assert marked(HTTP_X_PYTHON_COMPAT_INTERNAL='')[0] is False


def test_missing_token_is_not_internal():
    is_internal, environ = marked(REMOTE_ADDR='198.51.100.7')

    assert (is_internal, environ['REMOTE_ADDR']) == (False, '198.51.100.7')


def test_header_is_removed_whether_or_not_the_token_is_right():
    assert internal_token.WSGI_KEY not in marked(HTTP_X_PYTHON_COMPAT_INTERNAL=internal_token.token())[1]
    assert internal_token.WSGI_KEY not in marked(HTTP_X_PYTHON_COMPAT_INTERNAL='guess')[1]


def test_header_name_and_wsgi_key_agree():
    assert internal_token.WSGI_KEY == 'HTTP_' + internal_token.HEADER.upper().replace('-', '_')
