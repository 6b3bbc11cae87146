"""CGI script handlers (`script: file.py`)."""

import os
import sys
import textwrap

import pytest

from conftest import call_wsgi, make_environ
from python_compat.app.cgi_scripts import CgiScript, cgi_response, cgi_script_path, cgi_script_problem, is_cgi_script


def parse(output):
    return call_wsgi(lambda environ, start_response: cgi_response(output, start_response), make_environ())


# cgi_response

def test_cgi_output_headers_and_body():
    response = parse('Content-Type: text/plain\nX-Custom: yes\n\nhello')

    assert (response.status, response.body) == ('200 OK', 'hello')
    assert response.headers == [('Content-Type', 'text/plain'), ('X-Custom', 'yes'), ('Content-Length', '5')]


def test_cgi_status_header_sets_the_status_and_is_not_sent():
    response = parse('Status: 404 Not Found\nContent-Type: text/plain\n\nmissing')

    assert response.status == '404 Not Found'
    assert response.header('Status') is None


def test_cgi_location_alone_means_302():
    response = parse('Location: /elsewhere\n\n')

    assert response.status == '302 Found'
    assert response.header('Location') == '/elsewhere'


def test_cgi_status_header_wins_over_location():
    assert parse('Status: 301 Moved Permanently\nLocation: /new\n\n').status == '301 Moved Permanently'


def test_cgi_crlf_header_lines_are_accepted():
    response = parse('Content-Type: text/plain\r\nX-Custom: yes\r\n\r\nhello')

    assert (response.header('X-Custom'), response.body) == ('yes', 'hello')


def test_cgi_content_length_from_the_script_is_kept():
    assert parse('Content-Length: 2\n\nhi').all_headers('Content-Length') == ['2']


def test_cgi_output_without_a_header_block_is_500():
    response = parse('just a body, no blank line')

    assert response.code == 500
    assert 'no header block' in response.body


def test_cgi_malformed_header_line_is_500():
    response = parse('Content-Type: text/plain\nnot a header\n\nbody')

    assert response.code == 500
    assert 'malformed header line' in response.body


def test_cgi_body_bytes_are_passed_through_unchanged():
    assert parse('Content-Type: application/octet-stream\n\n\x89PNG\r\n\x1a\n').body == '\x89PNG\r\n\x1a\n'


# CgiScript

@pytest.fixture
def script_file(tmpdir):
    """`script_file(source)`: a CGI script in a temporary directory; returns its path."""
    def write(source, name='handler.py'):
        path = tmpdir.join(name)
        path.write(textwrap.dedent(source))
        return str(path)
    return write


def test_cgi_script_runs_as_main_with_the_request_on_stdin(script_file, monkeypatch):
    monkeypatch.setenv('CGI_TEST_VALUE', 'from-environ')
    path = script_file('''
        import os, sys
        print 'Content-Type: text/plain'
        print
        print '%s %s %s' % (__name__, sys.stdin.read(), os.environ['CGI_TEST_VALUE']),
    ''')

    script = CgiScript(path)

    response = call_wsgi(script, make_environ(method='POST', body='posted'))

    assert (response.code, response.body) == (200, '__main__ posted from-environ')


def test_cgi_script_restores_stdin_and_stdout(script_file):
    stdin, stdout = sys.stdin, sys.stdout
    path = script_file('''
        print 'Content-Type: text/plain'
        print
        raise SystemExit(0)
    ''')

    call_wsgi(CgiScript(path), make_environ())

    assert (sys.stdin, sys.stdout) == (stdin, stdout)


def test_cgi_script_calling_sys_exit_still_responds(script_file):
    path = script_file('''
        import sys
        print 'Status: 201 Created'
        print
        sys.exit(3)
    ''')

    assert call_wsgi(CgiScript(path), make_environ()).status == '201 Created'


def test_cgi_script_without_main_runs_in_full_every_request(script_file, tmpdir):
    path = script_file('''
        open(__file__ + '.runs', 'a').write('x')
        print 'Content-Type: text/plain'
        print
    ''')
    script = CgiScript(path)

    call_wsgi(script, make_environ())
    call_wsgi(script, make_environ())

    assert tmpdir.join('handler.py.runs').read() == 'xx'


def test_cgi_script_with_main_runs_its_top_level_once(script_file, tmpdir):
    path = script_file('''
        open(__file__ + '.runs', 'a').write('x')

        def main():
            print 'Content-Type: text/plain'
            print
            print 'main',

        if __name__ == '__main__':
            main()
    ''')
    script = CgiScript(path)

    bodies = [call_wsgi(script, make_environ()).body for _ in range(3)]

    assert bodies == ['main'] * 3
    assert tmpdir.join('handler.py.runs').read() == 'x'


def test_cached_main_still_sees_the_scripts_globals(script_file):
    path = script_file('''
        import sys
        calls = []

        def main():
            calls.append(sys.stdin.read())
            print 'Content-Type: text/plain'
            print
            print len(calls),

        if __name__ == '__main__':
            main()
    ''')
    script = CgiScript(path)

    bodies = [call_wsgi(script, make_environ()).body for _ in range(2)]

    assert bodies == ['1', '2']


def test_a_missing_cgi_script_is_its_problem(tmpdir):
    assert cgi_script_problem(str(tmpdir.join('gone.py'))) == 'file not found'


def test_a_cgi_script_with_a_syntax_error_is_its_problem(script_file):
    assert cgi_script_problem(script_file('print "ok"\nif True print 1\n')) == 'line 2: invalid syntax'


def test_a_good_cgi_script_has_no_problem(script_file):
    assert cgi_script_problem(script_file('print "Status: 200"\n')) is None


@pytest.mark.parametrize('script, cgi', [('main.py', True), ('handlers/main', True), ('handlers/main.py', True),
                                         ('main.app', False), ('run.application.app', False)])
def test_a_script_is_cgi_when_it_ends_in_py_or_names_a_path(script, cgi):
    assert is_cgi_script(script) is cgi


def test_cgi_script_path_is_under_the_app_root_and_a_directory_means_its_init(tmpdir):
    tmpdir.join('pkg', '__init__.py').write('', ensure=True)
    root = str(tmpdir)

    assert cgi_script_path(root, 'handlers/main.py') == str(tmpdir.join('handlers', 'main.py'))
    assert cgi_script_path(root, 'pkg') == str(tmpdir.join('pkg', '__init__.py'))
    assert cgi_script_path(root, 'pkg/') == str(tmpdir.join('pkg', '__init__.py'))


def test_python_lib_scripts_are_files_of_the_sdk():
    path = cgi_script_path('/app', '$PYTHON_LIB/google/appengine/api/lib_config.py')

    assert path.endswith('/google_appengine/google/appengine/api/lib_config.py') and os.path.isfile(path)
