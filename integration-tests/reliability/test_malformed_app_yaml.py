"""Malformed app.yaml: start-up refuses every broken app.yaml with one line on stderr naming the file (and the key
when there is one) and a non-zero exit, before serving anything, and never hangs or prints a traceback. What App
Engine only found when a request arrived (REQUEST_TIME_CASES) stops start-up like this with STRICT_STARTUP=true;
without it the app serves with a warning (test_loading_rules.py)."""

import pytest

from reliability import figures

BASE = 'runtime: python27\napi_version: 1\nthreadsafe: true\n'
HANDLERS = 'handlers:\n- url: /.*\n  script: main.app\n'
BOMB = ''.join('  %s: &%s [%s]\n' % (name, name, ','.join(['*' + previous] * 9))
               for previous, name in zip('abcdef', 'bcdefg'))
CASES = {
    'empty': '',
    'not YAML': 'handlers: [\n  - url: /\n',
    'tab indentation': BASE + 'handlers:\n\t- url: /.*\n',
    'a list, not a mapping': '- runtime: python27\n',
    'a bare word': 'just some words\n',
    'bytes that are no text': '\xff\xfe\x00\x01runtime',
    'runtime missing': 'api_version: 1\nthreadsafe: true\n' + HANDLERS,
    'unknown element': BASE + 'not_an_element: 1\n' + HANDLERS,
    'element given twice': BASE + 'runtime: python27\n' + HANDLERS,
    'handlers not a list': BASE + 'handlers: /.*\n',
    'handler without url': BASE + 'handlers:\n- script: main.app\n',
    'handler url not a regular expression': BASE + 'handlers:\n- url: /(unclosed\n  script: main.app\n',
    'handler url without a leading slash': BASE + 'handlers:\n- url: nothing\n  script: main.app\n',
    'handler of two kinds': BASE + 'handlers:\n- url: /.*\n  script: main.app\n  static_dir: static\n',
    'handler of no kind': BASE + 'handlers:\n- url: /.*\n',
    'script module missing': BASE + 'handlers:\n- url: /.*\n  script: nowhere.app\n',
    'script attribute missing': BASE + 'handlers:\n- url: /.*\n  script: main.nothing\n',
    'CGI script with threadsafe': BASE + 'handlers:\n- url: /.*\n  script: legacy.py\n',
    'unknown library': BASE + HANDLERS + 'libraries:\n- name: nosuchlib\n  version: latest\n',
    'unsupported library version': BASE + HANDLERS + 'libraries:\n- name: webapp2\n  version: "9.9"\n',
    'env_variables not a mapping': BASE + HANDLERS + 'env_variables: [a, b]\n',
    'error page missing': BASE + HANDLERS + 'error_handlers:\n- file: nowhere.html\n',
    'include missing': BASE + HANDLERS + 'includes:\n- nowhere.yaml\n',
    'unknown builtin': BASE + HANDLERS + 'builtins:\n- nosuchbuiltin: on\n',
    'unknown inbound service': BASE + HANDLERS + 'inbound_services:\n- telepathy\n',
    'bad default_expiration': BASE + HANDLERS + 'default_expiration: 5x\n',
    'bad handler expiration': BASE + 'handlers:\n- url: /s\n  static_dir: static\n  expiration: soon\n',
    'bad secure': BASE + 'handlers:\n- url: /.*\n  script: main.app\n  secure: sometimes\n',
    'bad login': BASE + 'handlers:\n- url: /.*\n  script: main.app\n  login: superuser\n',
    'health-check path not a path': BASE + HANDLERS + 'liveness_check:\n  path: 12\n',
    'alias bomb': BASE + HANDLERS + 'env_variables:\n  a: &a ["x","x","x","x","x","x","x","x","x"]\n' + BOMB,
    'app.yaml is a directory': None,
}
REQUEST_TIME_CASES = ('script module missing', 'script attribute missing', 'error page missing')
MAIN_PY = 'def app(environ, start_response):\n    start_response("200 OK", [])\n    return ["ok"]\n'
CASE_SECONDS = 30
# Runs each case's start-up in one container: an API server elsewhere (nothing answers there), so no case waits
# for an embedded one.
RUN_CASES = '''
for case in /cases/*; do
  strict=false; [ -f "$case/strict" ] && strict=true
  stderr=$(APP_ROOT="$case" API_HOST=127.0.0.1 API_PORT=9 STRICT_STARTUP=$strict \
           timeout -s KILL %d python-compat serve 2>&1 >/dev/null)
  printf '=== %%s %%s\\n%%s\\n' "$(basename "$case")" "$?" "$stderr"
done
''' % CASE_SECONDS


@pytest.fixture(scope='module')
def cases_dir(tmp_path_factory):
    """One app directory per case, named by its index, readable by the app user."""
    root = tmp_path_factory.mktemp('app-yaml-cases')
    root.chmod(0o755)
    for index, name in enumerate(sorted(CASES)):
        case = root / ('%02d' % index)
        case.mkdir()
        case.chmod(0o755)
        (case / 'main.py').write_text(MAIN_PY)
        if name in REQUEST_TIME_CASES:
            (case / 'strict').write_text('')
        if CASES[name] is None:
            (case / 'app.yaml').mkdir()
        else:
            (case / 'app.yaml').write_bytes(CASES[name].encode('latin-1'))
        for path in case.iterdir():
            path.chmod(0o755 if path.is_dir() else 0o644)
    return root


def test_every_malformed_app_yaml_stops_start_up_with_one_line(docker_client, runtime_image, cases_dir):
    output = docker_client.containers.run(
        runtime_image, ['sh', '-c', RUN_CASES], network_mode='none', mem_limit='512m', remove=True,
        volumes={str(cases_dir): {'bind': '/cases', 'mode': 'ro'}}).decode('utf-8', 'replace')
    results = dict((block.split('\n', 1)[0].split()[0], block) for block in output.split('=== ')[1:])
    refusing = figures.category('malformed app.yaml')

    for index, name in enumerate(sorted(CASES)):
        first, _, stderr = results['%02d' % index].partition('\n')
        status = int(first.split()[1])
        lines = stderr.strip().splitlines()
        one_line = len(lines) == 1 and lines[0].startswith('python-compat: /cases/%02d/app.yaml' % index)
        refusing.attempt('%s: exit %d, %r' % (name, status, stderr[:300]), held=status == 1 and one_line)

    refusing.assert_all_held()
