#!/usr/bin/env python3
"""Benchmarks the App Engine API server in one run and prints a table:

- p50/p99 latency of memcache get, ndb get and ndb put from python27 code, through our API server
  (POST /rpc_http on 127.0.0.1, as apps in the runtime call it), through it with RUNTIME_PATCHES=off (without
  its speed-ups of gevent's HTTP server: what they are worth) and through the SDK's stubs in-process (same
  stubs, same SQLite datastore, no HTTP); measured inside the runtime image, with no network;
- requests/s of an app doing memcache.incr plus Model.get_or_insert per request (examples/compose/app) at
  concurrency 20, measured with wrk against the app container published on 127.0.0.1 only (the median of a
  few rounds), with the CPU time per request of the container's gunicorn workers and of its API server
  (where the cores go).

usage: scripts/bench_api.py [--runtime-image IMAGE] [--calls N] [--seconds S] [--rounds R] [--concurrency C]
                           [--results-dir DIR]
Needs docker (an engine that answers) and Debian's wrk (installed when missing, as root on Debian).
"""

import argparse
import json
import pathlib
import re
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

import bench_results

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent
APP_DIR = REPO_ROOT / 'examples' / 'compose' / 'app'
APP_IMAGE = 'python-compat-bench/incr-get-or-insert:latest'
# Requests/s of the same app through the SDK's dev_appserver API server on 2 cores (issue 4), and our target.
REFERENCE_REQUESTS_PER_SECOND = 520
TARGET_REQUESTS_PER_SECOND = 1000

# Runs inside the runtime image (Python 2.7): `python -c LATENCY_SCRIPT stubs|server CALLS`; prints one JSON
# line {operation: [p50 ms, p99 ms]}.
LATENCY_SCRIPT = r'''
import json, os, subprocess, sys, time, urllib2
mode, calls = sys.argv[1], int(sys.argv[2])
os.environ['APPLICATION_ID'] = 'dev~bench'
if mode == 'server':
    server = subprocess.Popen([sys.executable, '-m', 'python_compat.apiserver', '--app-id', 'dev~bench',
                               '--port', '10001', '--storage-path', '/tmp/api-server'])
    deadline = time.time() + 30
    while True:
        try:
            urllib2.urlopen('http://127.0.0.1:10001/_ah/health', timeout=1)
            break
        except Exception:
            if time.time() > deadline:
                sys.exit('the API server did not answer within 30 s')
            time.sleep(0.1)
    from python_compat import apiclient
    apiclient.install('127.0.0.1', 10001)
else:
    from python_compat.apiserver import config
    from python_compat.apiserver import services
    services.register_stubs(config.ApiServerConfig('dev~bench', storage_path='/tmp/api-stubs'))

from google.appengine.api import memcache
from google.appengine.ext import ndb


class Item(ndb.Model):
    value = ndb.IntegerProperty()


context = ndb.get_context()
context.set_cache_policy(False)
context.set_memcache_policy(False)
keys = [ndb.Key(Item, 'item%d' % n) for n in range(100)]
memcache.set('key', 'v' * 100)
operations = [
    ('ndb put', lambda n: Item(key=keys[n % 100], value=n).put()),
    ('ndb get', lambda n: keys[n % 100].get()),
    ('memcache get', lambda n: memcache.get('key')),
]
results = {}
for name, operation in operations:
    for n in range(min(100, calls)):
        operation(n)
    samples = []
    for n in range(calls):
        started = time.time()
        operation(n)
        samples.append((time.time() - started) * 1000)
    samples.sort()
    results[name] = [samples[len(samples) // 2], samples[min(len(samples) - 1, int(len(samples) * 0.99))]]
if mode == 'server':
    server.terminate()
    server.wait()
print(json.dumps(results))
'''


# Runs inside the app container (Python 2.7): prints {role: CPU seconds used so far} of its processes.
CPU_SCRIPT = r'''
import json, os
seconds = {}
tick = float(os.sysconf('SC_CLK_TCK'))
for pid in filter(str.isdigit, os.listdir('/proc')):
    try:
        command = open('/proc/%s/cmdline' % pid).read()
        fields = open('/proc/%s/stat' % pid).read().rsplit(')', 1)[1].split()
    except IOError:
        continue
    if 'python_compat.apiserver' in command:
        role = 'API server'
    elif 'python_compat' in command and pid != '1':
        role = 'gunicorn workers'
    else:
        continue
    seconds[role] = seconds.get(role, 0) + (int(fields[11]) + int(fields[12])) / tick
print(json.dumps(seconds))
'''


def run(command, timeout, **kwargs):
    return subprocess.run(command, check=True, timeout=timeout, text=True, stdout=subprocess.PIPE, **kwargs).stdout


def latency(runtime_image, mode, calls, environment=()):
    """{operation: (p50 ms, p99 ms)} of `mode` ('stubs' or 'server'), in a fresh container with no network."""
    options = [option for name, value in environment for option in ('--env', '%s=%s' % (name, value))]
    output = run(['docker', 'run', '--rm', '--network=none'] + options + ['--entrypoint', 'python', runtime_image,
                  '-c', LATENCY_SCRIPT, mode, str(calls)], timeout=300, stderr=subprocess.DEVNULL)
    return json.loads(output.strip().splitlines()[-1])


def wait_until_serving(url, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        if time.monotonic() > deadline:
            raise SystemExit('bench_api: %s did not answer within %d s' % (url, timeout))
        time.sleep(0.2)


def cpu_seconds(container):
    """{role: CPU seconds} used so far by the API server and the gunicorn workers of `container`."""
    return json.loads(run(['docker', 'exec', container, 'python', '-c', CPU_SCRIPT], timeout=30))


def requests_per_second(runtime_image, seconds, concurrency, rounds):
    """([requests/s of each round], non-2xx responses + socket errors, worker count, {role: CPU ms per
    request}) of the incr + get_or_insert app."""
    run(['docker', 'build', '--network=none', '--quiet', '--build-arg', 'RUNTIME_IMAGE=' + runtime_image,
         '--tag', APP_IMAGE, str(APP_DIR)], timeout=300, stderr=subprocess.DEVNULL)
    container = run(['docker', 'run', '--detach', '--publish', '127.0.0.1::8080', APP_IMAGE], timeout=60).strip()
    reports = []
    try:
        port = run(['docker', 'port', container, '8080/tcp'], timeout=30).split(':')[-1].strip()
        url = 'http://127.0.0.1:%s/?name=bench' % port
        wait_until_serving(url)
        config = run(['docker', 'exec', container, 'python-compat', 'print-config'], timeout=30)
        workers = re.search(r'^workers\s+=\s+(\S+)', config, re.MULTILINE).group(1)
        wrk = ['wrk', '--threads', '2', '--connections', str(concurrency), '--timeout', '10s']
        run(wrk + ['--duration', '2s', url], timeout=60)  # warm-up: workers started, tables created
        cpu_before = cpu_seconds(container)
        for _ in range(rounds):
            reports.append(run(wrk + ['--duration', '%ds' % seconds, url], timeout=seconds + 60))
        cpu_after = cpu_seconds(container)
    finally:
        subprocess.run(['docker', 'rm', '--force', container], stdout=subprocess.DEVNULL, check=False)
        subprocess.run(['docker', 'rmi', APP_IMAGE], stdout=subprocess.DEVNULL, check=False)
    rates = [float(re.search(r'Requests/sec:\s+([\d.]+)', report).group(1)) for report in reports]
    report = '\n'.join(reports)
    failed = sum(int(n) for n in re.findall(r'Non-2xx or 3xx responses: (\d+)', report))
    failed += sum(int(n) for n in re.findall(r'(?:connect|read|write|timeout) (\d+)', report))
    requests = sum(int(n) for n in re.findall(r'(\d+) requests in', report))
    cpu_ms = {role: (cpu_after[role] - cpu_before.get(role, 0)) * 1000 / max(requests, 1) for role in cpu_after}
    return rates, failed, workers, cpu_ms


def table(rows):
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = ['  '.join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, '  '.join('-' * width for width in widths))
    return '\n'.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--runtime-image', default='python-compat/runtime:latest')
    parser.add_argument('--calls', type=int, default=1000, help='timed calls per operation and path')
    parser.add_argument('--seconds', type=int, default=6, help='duration of each requests/s round')
    parser.add_argument('--rounds', type=int, default=5, help='requests/s rounds; the median is reported')
    parser.add_argument('--concurrency', type=int, default=20, help='open connections during it')
    parser.add_argument('--results-dir', help='save the results here (bench_results.py)')
    args = parser.parse_args(argv)
    subprocess.run([str(REPO_ROOT / 'scripts' / 'ensure-debian-packages.sh'), 'wrk'], check=True)

    stubs = latency(args.runtime_image, 'stubs', args.calls)
    server = latency(args.runtime_image, 'server', args.calls)
    unpatched = latency(args.runtime_image, 'server', args.calls, [('RUNTIME_PATCHES', 'off')])
    rates, failed, workers, cpu_ms = requests_per_second(args.runtime_image, args.seconds, args.concurrency,
                                                         args.rounds)
    rate = statistics.median(rates)

    rows = [('measurement', 'API server', 'RUNTIME_PATCHES=off', 'in-process stubs', 'ratio to stubs',
             'patches')]
    for operation in ('memcache get', 'ndb get', 'ndb put'):
        for index, label in ((0, 'p50'), (1, 'p99')):
            ours, plain, theirs = server[operation][index], unpatched[operation][index], stubs[operation][index]
            rows.append(('%s %s (ms)' % (operation, label), '%.2f' % ours, '%.2f' % plain, '%.2f' % theirs,
                         '%.1fx' % (ours / theirs), '%.2fx' % (ours / plain)))
    text = ['API call latency from python27 code, %d calls each (server = POST /rpc_http on 127.0.0.1):'
            % args.calls, table(rows), '']
    rows = [('measurement', 'result', 'reference', 'ratio'),
            ('memcache.incr + get_or_insert (req/s, median)', '%.0f' % rate,
             '%d (dev_appserver)' % REFERENCE_REQUESTS_PER_SECOND, '%.2fx' % (rate / REFERENCE_REQUESTS_PER_SECOND)),
            ('', '', '%d (target)' % TARGET_REQUESTS_PER_SECOND, '%.2fx' % (rate / TARGET_REQUESTS_PER_SECOND))]
    rows.extend(('CPU per request, %s (ms)' % role, '%.2f' % cpu_ms[role], '', '') for role in sorted(cpu_ms))
    text += ['App throughput: %d connections, %d rounds of %d s (%s req/s), %s gevent workers, embedded API server; '
             '%d failed requests:' % (args.concurrency, args.rounds, args.seconds,
                                      ' '.join('%.0f' % each for each in rates), workers, failed), table(rows)]
    text = '\n'.join(text)
    print(text)
    if args.results_dir:
        figures = {'latency_ms_p50_p99': {'api_server': server, 'api_server_unpatched': unpatched,
                                          'in_process_stubs': stubs},
                   'app_requests_per_second': rates, 'failed_requests': failed, 'workers': workers,
                   'cpu_ms_per_request': cpu_ms, 'calls': args.calls}
        print('saved: %s' % ', '.join(map(str, bench_results.save(args.results_dir, 'api', text, figures))))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
