"""SIGTERM drains without cutting: responses from then on close their connection, idle keep-alive connections
are closed, requests in flight finish, and a request still running at the graceful timeout is logged and makes
the container's exit status non-zero."""

import http.client
import threading
import time

import pytest

DRAIN_INCOMPLETE_EXIT_STATUS = 75
KEEP_ALIVE_CLIENTS = 6
LOAD_SECONDS = 3


def keep_alive_connection(app):
    return http.client.HTTPConnection('127.0.0.1', int(app.url.rsplit(':', 1)[1]), timeout=30)


def get(connection, path):
    """(status, Connection header, body) of one request on an open keep-alive connection."""
    connection.request('GET', path)
    response = connection.getresponse()
    return response.status, response.getheader('Connection'), response.read()


def exit_status(app, timeout=60):
    return app.container.wait(timeout=timeout)['StatusCode']


def test_idle_keep_alive_connections_are_closed_and_the_container_exits_0(app_image, start_app):
    with start_app(app_image('behaviours'), environment={'WEB_CONCURRENCY': '2'}) as app:
        connections = [keep_alive_connection(app) for _ in range(KEEP_ALIVE_CLIENTS)]
        for connection in connections:
            assert get(connection, '/')[:2] == (200, 'keep-alive')
        started = time.monotonic()

        app.container.kill(signal='SIGTERM')

        closed = 0
        for connection in connections:
            connection.sock.settimeout(10)
            closed += connection.sock.recv(1) == b''
        assert closed == KEEP_ALIVE_CLIENTS
        assert exit_status(app) == 0
        # Well before gunicorn's 30 s graceful timeout: nothing was left to wait for.
        assert time.monotonic() - started < 15


def test_requests_in_flight_finish_and_their_responses_close_the_connection(app_image, start_app):
    with start_app(app_image('behaviours'), environment={'WEB_CONCURRENCY': '1'}) as app:
        results = []

        def slow_request():
            connection = keep_alive_connection(app)
            results.append(get(connection, '/slow?seconds=3'))
            connection.close()
        threads = [threading.Thread(target=slow_request) for _ in range(3)]
        for thread in threads:
            thread.start()
        time.sleep(1)

        app.container.kill(signal='SIGTERM')
        for thread in threads:
            thread.join(30)

        assert [(status, connection) for status, connection, _ in results] == [(200, 'close')] * 3
        assert exit_status(app) == 0


def test_keep_alive_load_during_sigterm_gets_complete_responses_or_a_closed_idle_connection(app_image, start_app):
    """Clients keep sending on keep-alive connections through the SIGTERM: every request that reached the server
    gets its whole response; the only failures allowed are keep-alive connections the server closed while idle
    and new connections once the port is closed (refused, or closed unanswered by Docker's port proxy)."""
    with start_app(app_image('behaviours'), environment={'WEB_CONCURRENCY': '2'}) as app:
        counts = {'complete': 0, 'close_after_sigterm': 0, 'cut': 0, 'closed_idle': 0, 'refused': 0}
        lock = threading.Lock()
        stop_at = time.monotonic() + LOAD_SECONDS * 2
        sigterm_sent = threading.Event()

        def client():
            connection = keep_alive_connection(app)
            while time.monotonic() < stop_at:
                fresh = connection.sock is None
                try:
                    connection.request('GET', '/slow?seconds=0.05')
                except OSError:
                    # A new connection after SIGTERM: the port is closed, as it should be.
                    with lock:
                        counts['refused'] += 1
                    return
                try:
                    response = connection.getresponse()
                    body = response.read()
                    complete = response.status == 200 and len(body) == int(response.getheader('Content-Length'))
                    with lock:
                        counts['complete' if complete else 'cut'] += 1
                        if sigterm_sent.is_set() and response.getheader('Connection') == 'close':
                            counts['close_after_sigterm'] += 1
                except (http.client.RemoteDisconnected, ConnectionResetError):
                    if fresh and sigterm_sent.is_set():
                        # A new connection once the server's port is closed: Docker's port proxy accepted it.
                        with lock:
                            counts['refused'] += 1
                        return
                    # Sent on a keep-alive connection the server closed while it was idle (the request crossed
                    # the close): counted apart.
                    with lock:
                        counts['closed_idle'] += 1
                    connection = keep_alive_connection(app)
                except (http.client.IncompleteRead, ValueError):
                    with lock:
                        counts['cut'] += 1
                    connection = keep_alive_connection(app)
        threads = [threading.Thread(target=client) for _ in range(KEEP_ALIVE_CLIENTS)]
        for thread in threads:
            thread.start()
        time.sleep(LOAD_SECONDS)
        app.container.kill(signal='SIGTERM')
        sigterm_sent.set()
        for thread in threads:
            thread.join(60)

        print('SIGTERM under keep-alive load: %(complete)d complete responses (%(close_after_sigterm)d saying '
              'Connection: close after SIGTERM), %(cut)d cut, %(closed_idle)d idle connections closed, %(refused)d new '
              'connections refused' % counts)
        assert counts['cut'] == 0
        assert counts['complete'] > 0 and counts['close_after_sigterm'] > 0
        assert exit_status(app) == 0


@pytest.mark.parametrize('workers', ['1'])
def test_a_request_still_running_at_the_graceful_timeout_is_logged_and_the_exit_status_says_so(app_image, start_app,
                                                                                                 workers):
    environment = {'WEB_CONCURRENCY': workers, 'GUNICORN_CMD_ARGS': '--graceful-timeout 4', 'LOG_FORMAT': 'text'}
    with start_app(app_image('behaviours'), environment=environment) as app:
        cut = []

        def long_request():
            connection = keep_alive_connection(app)
            try:
                cut.append(get(connection, '/slow?seconds=30'))
            except (http.client.HTTPException, OSError) as error:
                cut.append(error)
        thread = threading.Thread(target=long_request)
        thread.start()
        time.sleep(1)

        app.container.kill(signal='SIGTERM')

        assert exit_status(app, timeout=30) == DRAIN_INCOMPLETE_EXIT_STATUS
        thread.join(10)
        logs = app.container.logs().decode()
        assert 'GET /slow?seconds=30 still running' in logs
