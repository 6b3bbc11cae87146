"""gunicorn sized to the container's real CPUs, configured in gunicorn's own conventions, and stopped cleanly."""

import collections
import concurrent.futures
import re
import socket
import time

import pytest

# Connections opened at once, and how many times, to see whether one worker takes them all.
BURST_CONNECTIONS = 20
BURSTS = 10


@pytest.mark.parametrize('limits, expected_workers', [
    ({'nano_cpus': 1_000_000_000}, 1),
    ({'nano_cpus': 2_000_000_000}, 2),
    ({'cpuset_cpus': '0'}, 1),
])
def test_one_worker_per_usable_cpu(app_image, start_app, limits, expected_workers):
    with start_app(app_image('behaviours'), **limits) as app:
        assert app.settled_worker_count() == expected_workers


def test_web_concurrency_sets_the_worker_count(app_image, start_app):
    with start_app(app_image('behaviours'), environment={'WEB_CONCURRENCY': '3'}, nano_cpus=1_000_000_000) as app:
        assert app.settled_worker_count() == 3


def test_the_apps_gunicorn_conf_py_overrides_the_default(app_image, start_app):
    with start_app(app_image('gunicorn-conf'), nano_cpus=1_000_000_000) as app:
        assert app.settled_worker_count() == 3
        assert app.get('/').text == "served under the app's own gunicorn.conf.py"


def test_gunicorn_cmd_args_win_over_everything(app_image, start_app):
    with start_app(app_image('gunicorn-conf'), environment={'GUNICORN_CMD_ARGS': '--workers 2'}) as app:
        assert app.settled_worker_count() == 2


def test_print_config_shows_values_and_their_sources_without_serving(docker_client, app_image):
    output = docker_client.containers.run(app_image('gunicorn-conf'), ['print-config'], remove=True,
                                          nano_cpus=1_000_000_000, network_mode='none').decode()
    lines = {line.split('=')[0].strip(): line for line in output.splitlines()}
    assert '3' in lines['workers'] and '/app/gunicorn.conf.py' in lines['workers']
    assert 'GracefulGeventWorker' in lines['worker_class'] and '(default' in lines['worker_class']
    assert '0.0.0.0:8080' in lines['bind'] and '(PORT)' in lines['bind']
    assert 'timeout' in lines and 'graceful_timeout' in lines


def test_gevent_workers_serve_concurrent_requests_in_one_worker(app_image, start_app):
    with start_app(app_image('behaviours'), environment={'WEB_CONCURRENCY': '1'}) as app:
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda _: app.get('/slow?seconds=1'), range(4)))
        assert app.get('/max-in-flight').json()['max_in_flight'] == 4


def test_threadsafe_false_runs_one_request_at_a_time_per_worker(app_image, start_app):
    with start_app(app_image('serialized'), environment={'WEB_CONCURRENCY': '1'}, wait_path='/readiness_check') as app:
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda _: app.get('/slow'), range(4)))
        assert app.get('/state').json()['max_in_flight'] == 1


def test_cgi_script_prints_its_own_headers_and_status(app_image, start_app):
    with start_app(app_image('serialized'), wait_path='/readiness_check') as app:
        moved = app.get('/cgi/moved')
        assert moved.status_code == 301
        assert moved.headers['Location'] == '/cgi/new-place'
        plain = app.get('/cgi/hello?a=1')
        assert plain.status_code == 200
        assert plain.text.strip() == 'cgi says GET a=1'


def test_sigterm_lets_the_in_flight_request_finish_then_exits_0(app_image, start_app):
    with start_app(app_image('behaviours'), environment={'WEB_CONCURRENCY': '1'}) as app:
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            in_flight = pool.submit(app.get, '/slow?seconds=3')
            time.sleep(1)
            app.container.kill(signal='SIGTERM')
            response = in_flight.result(timeout=30)
        assert response.status_code == 200
        assert response.json()['slept'] == '3'
        assert app.container.wait(timeout=30)['StatusCode'] == 0


def _burst_of_connections(url, count):
    """Opens `count` connections at once, each sending its keep-alive request as it opens, as a load generator or a
    load balancer opening its pool does; {worker pid: connections it served}."""
    host, port = url.rsplit('/', 1)[1].split(':')
    connections = []
    served = collections.Counter()
    try:
        for _ in range(count):
            connections.append(socket.create_connection((host, int(port)), timeout=10))
            connections[-1].sendall(b'GET /value/get?name=burst HTTP/1.1\r\nHost: app\r\n\r\n')
        for connection in connections:
            reply = b''
            while not reply.endswith(b'\r\n0\r\n\r\n'):  # the end of its chunked body
                chunk = connection.recv(65536)
                assert chunk, 'connection closed before the reply: %r' % reply
                reply += chunk
            served[int(re.search(rb'"worker": (\d+)', reply).group(1))] += 1
    finally:
        for connection in connections:
            connection.close()
    return served


def test_bursts_of_new_connections_are_spread_over_the_workers(app_image, start_app):
    """gevent's server took up to 100 connections per wake-up: one worker took most of a burst, all of it in a
    quarter of bursts, and served it alone on one CPU (one accept per wake-up alone: one burst in twenty). Each
    burst must now reach both workers."""
    with start_app(app_image('api-shared-state'), environment={'WEB_CONCURRENCY': '2'}) as app:
        assert app.settled_worker_count() == 2
        bursts = [_burst_of_connections(app.url, BURST_CONNECTIONS) for _ in range(BURSTS)]
    assert [len(burst) for burst in bursts] == [2] * BURSTS, bursts
