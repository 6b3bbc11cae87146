#!/usr/bin/env python3
"""Serving benchmark, measured in one run so the figures are comparable on a shared, noisy machine:

1. requests/s of a hello-world WSGI app through our runtime vs bare `gunicorn -k gevent` serving the same
   callable in the same image with the same worker count (wrk, keep-alive, 127.0.0.1 only), alternating the
   two several times and taking medians;
2. seconds from `docker run` to the first 200, for both.

usage: bench_serving.py [--rounds N] [--seconds S] [--connections C] [--workers W]
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time

import docker
import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'integration-tests'))
from fixture_images import build_fixture_image  # noqa: E402

LOG_CONFIG = {'type': os.environ.get('BENCH_LOG_DRIVER', 'json-file')}
BARE_GUNICORN = ['gunicorn', '--worker-class', 'gevent', '--bind', '0.0.0.0:8080', '--chdir', '/app',
                 '--log-level', 'warning']


def variants(workers):
    """name -> (command, environment) of the two ways to serve the same app in the same image."""
    return {
        'python-compat runtime': (None, {'WEB_CONCURRENCY': str(workers)}),
        'bare gunicorn -k gevent': (BARE_GUNICORN + ['--workers', str(workers), 'main:app'], {}),
    }


def start(client, image, command, environment):
    container = client.containers.run(image, command, detach=True, environment=environment,
                                      ports={'8080/tcp': ('127.0.0.1', None)}, log_config=LOG_CONFIG)
    container.reload()
    return container, int(container.ports['8080/tcp'][0]['HostPort'])


def seconds_to_first_200(client, image, command, environment, timeout=30):
    started = time.monotonic()
    container, port = start(client, image, command, environment)
    try:
        while time.monotonic() - started < timeout:
            try:
                if requests.get('http://127.0.0.1:%d/' % port, timeout=1).status_code == 200:
                    return time.monotonic() - started
            except requests.ConnectionError:
                pass
            time.sleep(0.01)
        raise RuntimeError('no 200 within %d s' % timeout)
    finally:
        container.remove(force=True)


def requests_per_second(port, seconds, connections):
    output = subprocess.run(['wrk', '--threads', '2', '--connections', str(connections),
                             '--duration', '%ds' % seconds, '--timeout', '5s', 'http://127.0.0.1:%d/' % port],
                            capture_output=True, text=True, check=True, timeout=seconds + 30).stdout
    errors = re.search(r'Non-2xx or 3xx responses: (\d+)', output)
    if errors:
        raise RuntimeError('wrk saw %s error responses:\n%s' % (errors.group(1), output))
    return float(re.search(r'Requests/sec:\s+([\d.]+)', output).group(1))


def throughput(client, image, command, environment, seconds, connections):
    container, port = start(client, image, command, environment)
    try:
        seconds_waited = 0
        while seconds_waited < 30:
            try:
                if requests.get('http://127.0.0.1:%d/' % port, timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
            seconds_waited += 0.1
        requests_per_second(port, 2, connections)  # warm-up, not counted
        return requests_per_second(port, seconds, connections)
    finally:
        container.remove(force=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--seconds', type=int, default=8)
    parser.add_argument('--connections', type=int, default=50)
    parser.add_argument('--workers', type=int, default=1)
    parser.add_argument('--runtime-image', default=os.environ.get('RUNTIME_IMAGE', 'python-compat/runtime:latest'))
    args = parser.parse_args()

    client = docker.from_env()
    image = build_fixture_image(client, 'hello', args.runtime_image)
    rates = {name: [] for name in variants(args.workers)}
    starts = {name: [] for name in variants(args.workers)}
    try:
        for _ in range(args.rounds):
            for name, (command, environment) in variants(args.workers).items():
                rates[name].append(throughput(client, image, command, environment, args.seconds, args.connections))
                starts[name].append(seconds_to_first_200(client, image, command, environment))
    finally:
        client.images.remove(image, force=True)

    ours, bare = 'python-compat runtime', 'bare gunicorn -k gevent'
    print('Serving benchmark: hello-world WSGI app, %d worker(s), wrk %d connections, %d s x %d rounds (medians)'
          % (args.workers, args.connections, args.seconds, args.rounds))
    print('| server | requests/s | docker run -> first 200 |')
    print('|---|---|---|')
    for name in (ours, bare):
        print('| %s | %.0f | %.2f s |' % (name, statistics.median(rates[name]), statistics.median(starts[name])))
    print('throughput ratio (runtime / bare gunicorn): %.2f'
          % (statistics.median(rates[ours]) / statistics.median(rates[bare])))


if __name__ == '__main__':
    main()
