#!/usr/bin/env python3
"""Serving benchmark, measured in one run so the figures are comparable on a shared, noisy machine:

1. requests/s of a hello-world WSGI app through our runtime vs bare `gunicorn -k gevent` serving the same
   callable in the same image with the same worker count (wrk, keep-alive, 127.0.0.1 only), and through our
   runtime with RUNTIME_PATCHES=off (without its speed-ups of gunicorn: what they are worth);
2. seconds from `docker run` to the first 200, for each; and for the example app (examples/guestbook, which
   makes API calls on every request) through the runtime vs bare gunicorn serving it with the SDK's stubs in
   its workers (scripts/bench_fixtures/inprocess_twin.py), in the same image.
Targets: hello-world throughput >= 1.0x bare gunicorn; cold start <= 1.3x bare gunicorn (same image, same app).

How: both servers run side by side, each pinned to the same CPUs (one per worker) while wrk runs on the
others, so the load generator never takes the servers' cores and both servers get the same ones. Short wrk
runs alternate between the two, round after round; the ratio is the median of the per-round ratios, so a
noisy moment on the machine hits both sides of a round alike. On a machine without a spare CPU nothing is
pinned.

usage: bench_serving.py [--rounds N] [--seconds S] [--connections C] [--workers W] [--results-dir DIR]
"""

import argparse
import os
import pathlib
import re
import statistics
import subprocess
import sys
import time

import docker
import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'integration-tests'))
from fixture_images import build_context, build_fixture_image  # noqa: E402
import bench_results  # noqa: E402

LOG_CONFIG = {'type': os.environ.get('BENCH_LOG_DRIVER', 'json-file')}
BARE_GUNICORN = ['gunicorn', '--worker-class', 'gevent', '--bind', '0.0.0.0:8080', '--chdir', '/app',
                 '--log-level', 'warning']
OURS, UNPATCHED, BARE = 'python-compat runtime', 'runtime, RUNTIME_PATCHES=off', 'bare gunicorn -k gevent'
EXAMPLE_APP = pathlib.Path(__file__).resolve().parent.parent / 'examples' / 'guestbook'
FIXTURES = pathlib.Path(__file__).resolve().parent / 'bench_fixtures'
TARGET_THROUGHPUT_RATIO = 1.0
TARGET_COLD_START_RATIO = 1.3


def variants(workers):
    """name -> (command, environment) of the ways to serve the same app in the same image."""
    return {
        OURS: (None, {'WEB_CONCURRENCY': str(workers)}),
        UNPATCHED: (None, {'WEB_CONCURRENCY': str(workers), 'RUNTIME_PATCHES': 'off'}),
        BARE: (BARE_GUNICORN + ['--workers', str(workers), 'main:app'], {}),
    }


def cpu_split(workers):
    """(the servers' cpuset string, wrk's CPUs), or (None, all CPUs) when there is no CPU to spare for wrk."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) <= workers:
        return None, cpus
    return ','.join(str(cpu) for cpu in cpus[:workers]), cpus[workers:]


def start(client, image, command, environment, cpuset, volumes=None):
    container = client.containers.run(image, command, detach=True, environment=environment, cpuset_cpus=cpuset,
                                      ports={'8080/tcp': ('127.0.0.1', None)}, log_config=LOG_CONFIG,
                                      volumes=volumes)
    container.reload()
    return container, int(container.ports['8080/tcp'][0]['HostPort'])


def wait_for_200(port, started, timeout=30):
    """Seconds from `started` (a monotonic time) to the first 200 on `port`."""
    while time.monotonic() - started < timeout:
        try:
            if requests.get('http://127.0.0.1:%d/' % port, timeout=1).status_code == 200:
                return time.monotonic() - started
        except requests.ConnectionError:
            pass
        time.sleep(0.01)
    raise RuntimeError('no 200 within %d s' % timeout)


def seconds_to_first_200(client, image, command, environment, cpuset, volumes=None):
    started = time.monotonic()
    container, port = start(client, image, command, environment, cpuset, volumes)
    try:
        return wait_for_200(port, started)
    finally:
        container.remove(force=True)


def requests_per_second(port, seconds, connections, wrk_cpus):
    output = subprocess.run(['wrk', '--threads', str(len(wrk_cpus)), '--connections', str(connections),
                             '--duration', '%ds' % seconds, '--timeout', '5s', 'http://127.0.0.1:%d/' % port],
                            capture_output=True, text=True, check=True, timeout=seconds + 30,
                            preexec_fn=lambda: os.sched_setaffinity(0, wrk_cpus)).stdout
    errors = re.search(r'Non-2xx or 3xx responses: (\d+)', output)
    if errors:
        raise RuntimeError('wrk saw %s error responses:\n%s' % (errors.group(1), output))
    return float(re.search(r'Requests/sec:\s+([\d.]+)', output).group(1))


def throughput_rounds(client, image, args, cpuset, wrk_cpus):
    """name -> requests/s of each round, the two servers running side by side and measured in turn."""
    servers = {}
    try:
        for name, (command, environment) in variants(args.workers).items():
            container, port = start(client, image, command, environment, cpuset)
            servers[name] = (container, port)
            wait_for_200(port, time.monotonic())
            requests_per_second(port, 2, args.connections, wrk_cpus)  # warm-up, not counted
        rates = {name: [] for name in servers}
        for _ in range(args.rounds):
            for name, (_container, port) in servers.items():
                rates[name].append(requests_per_second(port, args.seconds, args.connections, wrk_cpus))
        return rates
    finally:
        for container, _port in servers.values():
            container.remove(force=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--rounds', type=int, default=7)
    parser.add_argument('--seconds', type=int, default=4)
    parser.add_argument('--connections', type=int, default=50)
    parser.add_argument('--workers', type=int, default=1)
    parser.add_argument('--runtime-image', default=os.environ.get('RUNTIME_IMAGE', 'python-compat/runtime:latest'))
    parser.add_argument('--results-dir', help='save the results here (bench_results.py)')
    args = parser.parse_args()

    client = docker.from_env()
    cpuset, wrk_cpus = cpu_split(args.workers)
    image = build_fixture_image(client, 'hello', args.runtime_image)
    example = client.images.build(fileobj=build_context(EXAMPLE_APP), custom_context=True, rm=True,
                                  network_mode='none', buildargs={'RUNTIME_IMAGE': args.runtime_image},
                                  tag='python-compat-bench/example:latest')[0].tags[0]
    twin = (BARE_GUNICORN + ['--workers', str(args.workers), '--pythonpath', '/bench', 'inprocess_twin:app'],
            {'TWIN_APP': 'guestbook:app'})
    fixtures = {str(FIXTURES): {'bind': '/bench', 'mode': 'ro'}}
    try:
        rates = throughput_rounds(client, image, args, cpuset, wrk_cpus)
        starts = {name: [] for name in rates}
        example_starts = {OURS: [], BARE: []}
        for _ in range(3):
            for name, (command, environment) in variants(args.workers).items():
                starts[name].append(seconds_to_first_200(client, image, command, environment, cpuset))
            example_starts[OURS].append(seconds_to_first_200(client, example, None, variants(args.workers)[OURS][1],
                                                             cpuset))
            example_starts[BARE].append(seconds_to_first_200(client, example, twin[0], twin[1], cpuset, fixtures))
    finally:
        client.images.remove(image, force=True)
        client.images.remove(example, force=True)

    ratios = [ours / bare for ours, bare in zip(rates[OURS], rates[BARE])]
    patch_gains = [ours / unpatched for ours, unpatched in zip(rates[OURS], rates[UNPATCHED])]
    placement = ('servers on CPU %s, wrk on CPU %s' % (cpuset, ','.join(map(str, wrk_cpus))) if cpuset
                 else 'no spare CPU: nothing pinned')
    lines = ['Serving benchmark: hello-world WSGI app, %d worker(s), wrk %d connections, %d rounds of %d s each '
             'alternating the servers (%s)' % (args.workers, args.connections, args.rounds, args.seconds, placement),
             '', '| server | requests/s (median) | docker run -> first 200 (median of 3) |', '|---|---|---|']
    for name in (OURS, UNPATCHED, BARE):
        lines.append('| %s | %.0f | %.2f s |' % (name, statistics.median(rates[name]), statistics.median(starts[name])))
    cold = statistics.median(starts[OURS]) / statistics.median(starts[BARE])
    example_cold = statistics.median(example_starts[OURS]) / statistics.median(example_starts[BARE])
    lines += ['', 'Cold start of the example app (guestbook: ndb, memcache, users, jinja2): docker run -> first 200 of '
              '/, median of 3: runtime %.2f s, bare gunicorn with the stubs in its workers %.2f s'
              % (statistics.median(example_starts[OURS]), statistics.median(example_starts[BARE])),
              '', 'throughput ratio (runtime / bare gunicorn), median of the rounds: %.2f (rounds: %s)'
              % (statistics.median(ratios), ' '.join('%.2f' % ratio for ratio in ratios)),
              "the runtime's gunicorn patches (runtime / RUNTIME_PATCHES=off), median of the rounds: %.2f (rounds: %s)"
              % (statistics.median(patch_gains), ' '.join('%.2f' % gain for gain in patch_gains)), '',
              'target: hello-world throughput >= %.1fx bare gunicorn: %.2fx: %s'
              % (TARGET_THROUGHPUT_RATIO, statistics.median(ratios),
                 'met' if statistics.median(ratios) >= TARGET_THROUGHPUT_RATIO else 'NOT MET'),
              'target: cold start <= %.1fx bare gunicorn, hello world: %.2fx (%.2f vs %.2f s): %s'
              % (TARGET_COLD_START_RATIO, cold, statistics.median(starts[OURS]), statistics.median(starts[BARE]),
                 'met' if cold <= TARGET_COLD_START_RATIO else 'NOT MET'),
              'target: cold start <= %.1fx bare gunicorn, example app: %.2fx: %s'
              % (TARGET_COLD_START_RATIO, example_cold,
                 'met' if example_cold <= TARGET_COLD_START_RATIO else 'NOT MET')]
    text = '\n'.join(lines)
    print(text)
    if args.results_dir:
        figures = {'requests_per_second': rates, 'seconds_to_first_200': starts,
                   'example_app_seconds_to_first_200': example_starts, 'ratio_runtime_to_bare': ratios,
                   'ratio_patched_to_unpatched': patch_gains, 'workers': args.workers,
                   'connections': args.connections, 'round_seconds': args.seconds, 'placement': placement}
        print('saved: %s' % ', '.join(map(str, bench_results.save(args.results_dir, 'serving', text, figures))))


if __name__ == '__main__':
    main()
