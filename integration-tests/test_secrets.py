"""No secret of the runtime is visible to the app's code: not in its os.environ, not in /proc/*/environ or the
command lines of any process the app's uid can read; and the secrets still do their work."""

import pytest

INTERNAL_SECRET = 'internal-secret-for-the-test-0123456789abcdef'
PROXY_SECRET = 'proxy-secret-for-the-test-0123456789'
SECRETS = (INTERNAL_SECRET, PROXY_SECRET)
APP_UID = '10001'
# As the app's uid, in the container: every process's environ and command line it can read, joined.
READ_EVERY_PROCESS = (
    "import os\n"
    "seen = []\n"
    "for pid in filter(str.isdigit, os.listdir('/proc')):\n"
    "    if pid == str(os.getpid()):\n"
    "        continue\n"
    "    for name in ('environ', 'cmdline'):\n"
    "        try:\n"
    "            seen.append(open('/proc/%s/%s' % (pid, name)).read())\n"
    "        except IOError:\n"
    "            pass\n"
    "print('\\n'.join(seen))\n")


@pytest.fixture(scope='module')
def app(app_image, start_app):
    environment = {'INTERNAL_REQUEST_SECRET': INTERNAL_SECRET, 'IDENTITY_SOURCE': 'proxy',
                   'PROXY_SECRET': PROXY_SECRET}
    with start_app(app_image('behaviours'), environment=environment, wait_path='/readiness_check') as running:
        yield running


def test_the_apps_os_environ_holds_no_secret(app):
    seen = app.get('/env?keys=INTERNAL_REQUEST_SECRET,PROXY_SECRET,INTERNAL_TOKEN_SHA256,PROXY_SECRET_SHA256').json()

    assert seen == {'INTERNAL_REQUEST_SECRET': None, 'PROXY_SECRET': None, 'INTERNAL_TOKEN_SHA256': None,
                    'PROXY_SECRET_SHA256': None}


def test_no_process_the_apps_uid_can_read_shows_a_secret(app):
    # The command runs as the app's uid; it is started by `docker exec`, whose own environment is excluded.
    exit_code, output = app.container.exec_run(['python', '-c', READ_EVERY_PROCESS], user=APP_UID,
                                               environment={'INTERNAL_REQUEST_SECRET': '', 'PROXY_SECRET': ''})
    assert exit_code == 0, output

    found = [secret for secret in SECRETS if secret.encode() in output]
    print('secrets readable by the app uid in /proc/*/environ and cmdline: %d of %d' % (len(found), len(SECRETS)))
    assert found == []


def test_the_proxy_secret_still_signs_users_in(app):
    seen = app.get('/env?keys=USER_EMAIL', headers={
        'X-Python-Compat-Proxy-Secret': PROXY_SECRET, 'X-AppEngine-User-Email': 'ann@example.com'}).json()
    forged = app.get('/env?keys=USER_EMAIL', headers={
        'X-Python-Compat-Proxy-Secret': 'wrong', 'X-AppEngine-User-Email': 'ann@example.com'}).json()

    assert (seen['USER_EMAIL'], forged['USER_EMAIL']) == ('ann@example.com', '')
