#!/usr/bin/env python3
"""Benchmarks App Engine API calls through the runtime against the same calls with the SDK's stubs in the app's
own process (the limit of this architecture), in one run, and prints each target with its ratio:

- latency, p50/p99 of memcache get, ndb get and ndb put from python27 code inside the runtime image (no
  network): as the runtime's app processes make them (memcache from the container's shared memcache file and ndb
  from its SQLite datastore file, in the caller's process; the other calls through the container's API server
  over its Unix socket), through
  `POST /rpc_http` (how external API servers are called: memcache too), the same with RUNTIME_PATCHES=off (what
  the pywsgi patches are worth), and with the SDK's stubs in-process. Targets: memcache get p50 <= 4x
  in-process, ndb get and put p50 <= 1.3x in-process;
- requests/s of an app doing memcache.incr plus Model.get_or_insert per request (examples/compose/app), 2 gevent
  workers, wrk at concurrency 20 on 127.0.0.1: the runtime's container and its in-process-stub twin (bare gunicorn
  with scripts/bench_fixtures/inprocess_twin.py, same image, same app) running side by side and measured in
  alternating rounds; the ratio is the median of the per-round ratios. Target >= 0.85. Also the CPU time per
  request of the workers and of the API server;
- memory (RSS and PSS) of the runtime container's processes by role, idle before any request and after the
  load. Target: idle RSS of one worker plus the API server <= 100 MiB.

usage: scripts/bench_api.py [--runtime-image IMAGE] [--calls N] [--seconds S] [--rounds R] [--concurrency C]
                           [--results-dir DIR]
Needs docker (an engine that answers) and Debian's wrk (installed when missing, as root on Debian).
"""

import argparse
import json
import pathlib
import os
import re
import statistics
import subprocess
import time
import urllib.error
import urllib.request

import bench_results

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent
APP_DIR = REPO_ROOT / 'examples' / 'compose' / 'app'
FIXTURES = REPO_ROOT / 'scripts' / 'bench_fixtures'
APP_IMAGE = 'python-compat-bench/incr-get-or-insert:latest'
WORKERS = 2
# The twin's gunicorn; its worker count comes from WEB_CONCURRENCY, as the runtime's does.
TWIN_COMMAND = ['gunicorn', '--worker-class', 'gevent', '--bind', '0.0.0.0:8080', '--chdir', '/app',
                '--pythonpath', '/bench', '--log-level', 'warning', 'inprocess_twin:app']
TARGETS = {'memcache get': 4.0, 'ndb get': 1.3, 'ndb put': 1.3}
TARGET_APP_RATIO = 0.85
TARGET_IDLE_MIB = 100
OPERATIONS = ('memcache get', 'ndb get', 'ndb put')
PATHS = ('runtime', 'http', 'http-unpatched', 'stubs')
PATH_NAMES = {'runtime': 'runtime (memcache and datastore in-process, framed Unix socket)',
              'http': 'API server, POST /rpc_http', 'http-unpatched': 'POST /rpc_http, RUNTIME_PATCHES=off',
              'stubs': 'stubs in-process'}

# Runs inside the runtime image (Python 2.7): `python -c LATENCY_SCRIPT runtime|http|stubs CALLS`; prints one JSON
# line {operation: [p50 ms, p99 ms]}.
LATENCY_SCRIPT = r'''
import json, os, subprocess, sys, time, urllib2
mode, calls = sys.argv[1], int(sys.argv[2])
os.environ['APPLICATION_ID'] = 'dev~bench'
if mode in ('runtime', 'http'):
    server = subprocess.Popen([sys.executable, '-m', 'python_compat.apiserver', '--app-id', 'dev~bench',
                               '--port', '10001', '--storage-path', '/tmp/api-server',
                               '--unix-socket', '/tmp/api.sock', '--memcache-store', '/tmp/memcache.sqlite3'])
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
    if mode == 'runtime':
        apiclient.install('127.0.0.1', 10001, unix_socket='/tmp/api.sock', memcache_store='/tmp/memcache.sqlite3',
                          memcache_max_bytes=64 << 20, datastore_file='/tmp/api-server/datastore.db',
                          app_id='dev~bench')
    else:
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
if mode != 'stubs':
    server.terminate()
    server.wait()
print(json.dumps(results))
'''



def run(command, timeout, **kwargs):
    return subprocess.run(command, check=True, timeout=timeout, text=True, stdout=subprocess.PIPE, **kwargs).stdout


def latency(runtime_image, mode, calls, environment=()):
    """{operation: (p50 ms, p99 ms)} of `mode`, in a fresh container with no network."""
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


def processes(container):
    """{pid: (role, CPU seconds, RSS KiB, PSS KiB)} of the runtime's processes in `container`, read from the host's
    /proc (the supervisor and the API server are not dumpable: inside the container even root cannot read them)."""
    first = int(run(['docker', 'inspect', '--format', '{{.State.Pid}}', container], timeout=30))
    parents, commands = {}, {}
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open('/proc/%s/stat' % pid) as stat, open('/proc/%s/cmdline' % pid, 'rb') as cmdline:
                parents[int(pid)] = stat.read().rsplit(')', 1)[1].split()
                commands[int(pid)] = cmdline.read().decode(errors='replace')
        except OSError:
            continue  # gone since listed
    tick = float(os.sysconf('SC_CLK_TCK'))
    found = {}
    for pid, fields in parents.items():
        parent = int(fields[1])
        if pid == first:
            role = 'supervisor'
        elif 'python_compat.apiserver' in commands[pid] and parent == first:
            role = 'API server'
        elif 'python_compat.serving' in commands[pid] and parent == first:
            role = 'gunicorn master'
        elif 'python_compat.serving' in commands[pid] and 'python_compat.serving' in commands.get(parent, ''):
            role = 'gunicorn worker'
        else:
            continue
        memory = {}
        with open('/proc/%d/smaps_rollup' % pid) as rollup:
            for line in rollup:
                parts = line.split()
                if parts[0] in ('Rss:', 'Pss:'):
                    memory[parts[0]] = int(parts[1])
        found[pid] = [role, (int(fields[11]) + int(fields[12])) / tick, memory['Rss:'], memory['Pss:']]
    return found


def by_role(found, column):
    """{role: the sum of `column` (1 CPU seconds, 2 RSS KiB, 3 PSS KiB) over its processes}; workers also one by
    one, as 'one gunicorn worker' (the largest)."""
    totals = {}
    for row in found.values():
        totals[row[0]] = totals.get(row[0], 0) + row[column]
    workers = [row[column] for row in found.values() if row[0] == 'gunicorn worker']
    if workers:
        totals['one gunicorn worker'] = max(workers)
    return totals


def start(image, command=(), environment=(), volumes=()):
    options = ['--detach', '--publish', '127.0.0.1::8080']
    options += [option for name, value in environment for option in ('--env', '%s=%s' % (name, value))]
    options += [option for volume in volumes for option in ('--volume', volume)]
    container = run(['docker', 'run'] + options + [image] + list(command), timeout=60).strip()
    port = run(['docker', 'port', container, '8080/tcp'], timeout=30).split(':')[-1].strip()
    return container, 'http://127.0.0.1:%s/?name=bench' % port


def wrk(url, seconds, concurrency):
    return run(['wrk', '--threads', '2', '--connections', str(concurrency), '--timeout', '10s',
                '--duration', '%ds' % seconds, url], timeout=seconds + 60)


def throughput(runtime_image, seconds, concurrency, rounds):
    """The app through the runtime and through its in-process-stub twin, alternating rounds; with the runtime's
    CPU per request and its processes' memory idle and loaded."""
    run(['docker', 'build', '--network=none', '--quiet', '--build-arg', 'RUNTIME_IMAGE=' + runtime_image,
         '--tag', APP_IMAGE, str(APP_DIR)], timeout=300, stderr=subprocess.DEVNULL)
    containers = []
    try:
        ours, ours_url = start(APP_IMAGE, environment=[('WEB_CONCURRENCY', WORKERS)])
        containers.append(ours)
        twin, twin_url = start(APP_IMAGE, TWIN_COMMAND, environment=[('WEB_CONCURRENCY', WORKERS)],
                               volumes=['%s:/bench:ro' % FIXTURES])
        containers.append(twin)
        wait_until_serving(ours_url)
        time.sleep(2)  # the idle state: every process started, no request served but the first
        idle = processes(ours)
        wait_until_serving(twin_url)
        reports = {'ours': [], 'twin': []}
        for url in (ours_url, twin_url):
            wrk(url, 2, concurrency)  # warm-up: workers started, tables created
        before = processes(ours)
        for _ in range(rounds):
            reports['ours'].append(wrk(ours_url, seconds, concurrency))
            reports['twin'].append(wrk(twin_url, seconds, concurrency))
        loaded = processes(ours)
    finally:
        for container in containers:
            subprocess.run(['docker', 'rm', '--force', container], stdout=subprocess.DEVNULL, check=False)
        subprocess.run(['docker', 'rmi', APP_IMAGE], stdout=subprocess.DEVNULL, check=False)
    rates = dict((name, [float(re.search(r'Requests/sec:\s+([\d.]+)', report).group(1)) for report in texts])
                 for name, texts in reports.items())
    failed = sum(int(n) for texts in reports.values() for report in texts
                 for n in re.findall(r'(?:Non-2xx or 3xx responses:|connect|read|write|timeout) (\d+)', report))
    requests = sum(int(n) for report in reports['ours'] for n in re.findall(r'(\d+) requests in', report))
    cpu_before, cpu_after = by_role(before, 1), by_role(loaded, 1)
    cpu_ms = dict((role, (cpu_after[role] - cpu_before.get(role, 0)) * 1000 / max(requests, 1))
                  for role in ('gunicorn worker', 'API server', 'gunicorn master', 'supervisor') if role in cpu_after)
    return rates, failed, cpu_ms, idle, loaded


def table(rows):
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = ['  '.join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, '  '.join('-' * width for width in widths))
    return '\n'.join(lines)


def verdict(met):
    return 'met' if met else 'NOT MET'


def latency_section(latencies, calls):
    rows = [('measurement',) + tuple(PATH_NAMES[path] for path in PATHS) + ('runtime / in-process',)]
    for operation in OPERATIONS:
        for index, label in ((0, 'p50'), (1, 'p99')):
            cells = tuple('%.3f' % latencies[path][operation][index] for path in PATHS)
            ratio = latencies['runtime'][operation][index] / latencies['stubs'][operation][index]
            rows.append(('%s %s (ms)' % (operation, label),) + cells + ('%.2fx' % ratio,))
    lines = ['API call latency from python27 code, %d calls each:' % calls, table(rows), '']
    for operation in OPERATIONS:
        ratio = latencies['runtime'][operation][0] / latencies['stubs'][operation][0]
        lines.append('target: %s p50 <= %.1fx in-process: %.2fx (%.3f vs %.3f ms): %s' % (
            operation, TARGETS[operation], ratio, latencies['runtime'][operation][0],
            latencies['stubs'][operation][0], verdict(ratio <= TARGETS[operation])))
    return lines


def memory_section(idle, loaded):
    rows = [('process', 'idle RSS MiB', 'idle PSS MiB', 'loaded RSS MiB', 'loaded PSS MiB')]
    idle_rss, idle_pss, loaded_rss, loaded_pss = (by_role(idle, 2), by_role(idle, 3), by_role(loaded, 2),
                                                  by_role(loaded, 3))
    for role in ('supervisor', 'API server', 'gunicorn master', 'one gunicorn worker', 'gunicorn worker'):
        if role in idle_rss:
            label = 'gunicorn workers (all)' if role == 'gunicorn worker' else role
            rows.append((label,) + tuple('%.1f' % (values.get(role, 0) / 1024.0)
                                         for values in (idle_rss, idle_pss, loaded_rss, loaded_pss)))
    idle_mib = (idle_rss['one gunicorn worker'] + idle_rss['API server']) / 1024.0
    return ['Memory of the runtime container (%d workers), idle (started, no request) and after the load:'
            % WORKERS, table(rows), '',
            'target: idle RSS of one worker plus the API server <= %d MiB: %.1f MiB: %s'
            % (TARGET_IDLE_MIB, idle_mib, verdict(idle_mib <= TARGET_IDLE_MIB))], idle_mib


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--runtime-image', default='python-compat/runtime:latest')
    parser.add_argument('--calls', type=int, default=1000, help='timed calls per operation and path')
    parser.add_argument('--seconds', type=int, default=6, help='duration of each requests/s round')
    parser.add_argument('--rounds', type=int, default=5, help='requests/s rounds; the median ratio is reported')
    parser.add_argument('--concurrency', type=int, default=20, help='open connections during it')
    parser.add_argument('--results-dir', help='save the results here (bench_results.py)')
    args = parser.parse_args(argv)
    subprocess.run([str(REPO_ROOT / 'scripts' / 'ensure-debian-packages.sh'), 'wrk'], check=True)

    latencies = dict((path, latency(args.runtime_image, path.replace('-unpatched', ''), args.calls,
                                    [('RUNTIME_PATCHES', 'off')] if path.endswith('-unpatched') else []))
                     for path in PATHS)
    rates, failed, cpu_ms, idle, loaded = throughput(args.runtime_image, args.seconds, args.concurrency,
                                                     args.rounds)
    ratios = [ours / twin for ours, twin in zip(rates['ours'], rates['twin'])]
    app_ratio = statistics.median(ratios)
    memory_lines, idle_mib = memory_section(idle, loaded)

    rows = [('app', 'requests/s (median)', 'rounds')]
    rows += [(name, '%.0f' % statistics.median(rates[key]), ' '.join('%.0f' % rate for rate in rates[key]))
             for name, key in (('python-compat runtime', 'ours'), ('in-process-stub twin', 'twin'))]
    rows += [('CPU per request, %s (ms)' % role, '%.2f' % cpu_ms[role], '') for role in sorted(cpu_ms)]
    text = latency_section(latencies, args.calls) + [
        '', 'App throughput (memcache.incr + get_or_insert): %d connections, %d alternating rounds of %d s, %d '
        'gevent workers each; %d failed requests:' % (args.concurrency, args.rounds, args.seconds, WORKERS, failed),
        table(rows), '',
        'target: the API-bound app >= %.2fx its in-process-stub twin: %.2fx (rounds %s): %s'
        % (TARGET_APP_RATIO, app_ratio, ' '.join('%.2f' % ratio for ratio in ratios),
           verdict(app_ratio >= TARGET_APP_RATIO)), ''] + memory_lines
    text = '\n'.join(text)
    print(text)
    if args.results_dir:
        figures = {'latency_ms_p50_p99': latencies, 'app_requests_per_second': rates, 'app_ratios': ratios,
                   'failed_requests': failed, 'workers': WORKERS, 'cpu_ms_per_request': cpu_ms,
                   'processes_idle': idle, 'processes_loaded': loaded, 'idle_worker_plus_api_server_mib': idle_mib,
                   'calls': args.calls}
        print('saved: %s' % ', '.join(map(str, bench_results.save(args.results_dir, 'api', text, figures))))
    return 1 if failed else 0


if __name__ == '__main__':
    raise SystemExit(main())
