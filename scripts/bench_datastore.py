#!/usr/bin/env python3
"""Benchmarks the Cloud Datastore backend in one run and prints a table:

p50/p99 latency of ndb get, put and query from python27 code through our translator (ndb -> the API server with
DATASTORE_BACKEND=cloud-datastore -> Cloud Datastore v1) against the same operations by a direct v1 client
(google-cloud-datastore, the v1 library the runtime image carries, over the same HTTP/protobuf), both against one
Datastore emulator started for the run. The two paths alternate round by round, each in a fresh container of the
runtime image; the ratio of their medians is what the translator adds.

usage: scripts/bench_datastore.py [--runtime-image IMAGE] [--calls N] [--rounds R] [--results-dir DIR]
Needs docker and the Google Cloud CLI's Datastore emulator (with Java). The emulator listens on 127.0.0.1 only; the
measuring containers share the host's network namespace to reach it, and their API server binds 127.0.0.1 too.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'integration-tests'))
from cloud_datastore_emulator import DATASTORE, Emulator, free_port  # noqa: E402
import bench_results  # noqa: E402

PROJECT = 'bench-datastore'
OPERATIONS = ('ndb get', 'ndb put', 'ndb query')
PATHS = ('translator', 'direct')
CONTAINER_TIMEOUT_SECONDS = 600

# Runs inside the runtime image (Python 2.7): `python -c LATENCY_SCRIPT translator|direct CALLS EMULATOR PROJECT
# API_PORT`; prints one JSON line {operation: [p50 ms, p99 ms, CPU ms per call]} (the CPU of the measuring process
# and, on the translator path, of its API server; not the emulator's). Both paths read and write the same 100
# entities of kind Item and run the same query (an equality filter matching 10 of them).
LATENCY_SCRIPT = r'''
import json, os, subprocess, sys, time, urllib2
path, calls, emulator, project, api_port = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
ITEMS, GROUPS = 100, 10

if path == 'translator':
    # The API server alone gets the backend's variables, as the runtime's settings hand them to it.
    server = subprocess.Popen(
        [sys.executable, '-m', 'python_compat.apiserver', '--app-id', 's~' + project, '--port', str(api_port),
         '--storage-path', '/tmp/api-server'],
        env=dict(os.environ, DATASTORE_BACKEND='cloud-datastore', DATASTORE_PROJECT_ID=project,
                 DATASTORE_EMULATOR_HOST=emulator, LOG_FORMAT='text'))
    deadline = time.time() + 30
    while True:
        try:
            urllib2.urlopen('http://127.0.0.1:%d/_ah/health' % api_port, timeout=1)
            break
        except Exception:
            if time.time() > deadline or server.poll() is not None:
                sys.exit('the API server did not answer within 30 s')
            time.sleep(0.1)
    os.environ['APPLICATION_ID'] = 's~' + project
    from python_compat import apiclient
    apiclient.install('127.0.0.1', api_port)
    from google.appengine.ext import ndb

    class Item(ndb.Model):
        value = ndb.IntegerProperty()
        group = ndb.StringProperty()

    context = ndb.get_context()
    context.set_cache_policy(False)
    context.set_memcache_policy(False)
    keys = [ndb.Key(Item, 'item%d' % n) for n in range(ITEMS)]
    operations = [
        ('ndb put', lambda n: Item(key=keys[n % ITEMS], value=n, group=u'g%d' % (n % GROUPS)).put()),
        ('ndb get', lambda n: keys[n % ITEMS].get()),
        ('ndb query', lambda n: Item.query(Item.group == u'g%d' % (n % GROUPS)).fetch(ITEMS)),
    ]
else:
    import requests
    os.environ['DATASTORE_EMULATOR_HOST'] = emulator
    from google.cloud import datastore
    client = datastore.Client(project=project, _http=requests.Session(), _use_grpc=False)
    keys = [client.key('Item', 'item%d' % n) for n in range(ITEMS)]

    def put(n):
        entity = datastore.Entity(keys[n % ITEMS])
        entity.update({'value': n, 'group': u'g%d' % (n % GROUPS)})
        client.put(entity)

    operations = [
        ('ndb put', put),
        ('ndb get', lambda n: client.get(keys[n % ITEMS])),
        ('ndb query', lambda n: list(client.query(kind='Item', filters=[('group', '=', u'g%d' % (n % GROUPS))])
                                     .fetch(limit=ITEMS))),
    ]

def cpu_seconds():
    """CPU seconds used so far by this process and, on the translator path, by its API server."""
    used = sum(os.times()[:2])
    if path == 'translator':
        fields = open('/proc/%d/stat' % server.pid).read().rsplit(')', 1)[1].split()
        used += (int(fields[11]) + int(fields[12])) / float(os.sysconf('SC_CLK_TCK'))
    return used


results = {}
for name, operation in operations:
    for n in range(max(ITEMS, min(calls, 500))):  # warm-up: every entity written, the emulator's code compiled
        operation(n)
    if name == 'ndb query':
        assert len(operation(0)) == ITEMS // GROUPS, 'the query found %d entities' % len(operation(0))
    samples = []
    cpu_before = cpu_seconds()
    for n in range(calls):
        started = time.time()
        operation(n)
        samples.append((time.time() - started) * 1000)
    cpu_ms = (cpu_seconds() - cpu_before) * 1000 / calls
    samples.sort()
    results[name] = [samples[len(samples) // 2], samples[min(len(samples) - 1, int(len(samples) * 0.99))], cpu_ms]
if path == 'translator':
    server.terminate()
    server.wait()
print(json.dumps(results))
'''


def latency(runtime_image, path, calls, emulator):
    """{operation: [p50 ms, p99 ms, CPU ms per call]} of `path` ('translator' or 'direct') in a fresh container."""
    command = ['docker', 'run', '--rm', '--network=host', '--entrypoint', 'python', runtime_image,
               '-c', LATENCY_SCRIPT, path, str(calls), emulator.host, PROJECT, str(free_port())]
    output = subprocess.run(command, check=True, timeout=CONTAINER_TIMEOUT_SECONDS, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
    return json.loads(output.strip().splitlines()[-1])


def table(rows):
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = ['  '.join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, '  '.join('-' * width for width in widths))
    return '\n'.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--runtime-image', default='python-compat/runtime:latest')
    parser.add_argument('--calls', type=int, default=300, help='timed calls per operation, path and round')
    parser.add_argument('--rounds', type=int, default=3, help='alternating rounds of both paths; medians reported')
    parser.add_argument('--results-dir', help='save the results here (bench_results.py)')
    args = parser.parse_args(argv)

    emulator = Emulator(DATASTORE, ['--auto_id_policy=SCATTERED']).start()
    rounds = {path: [] for path in PATHS}
    try:
        for _ in range(args.rounds):
            for path in PATHS:
                rounds[path].append(latency(args.runtime_image, path, args.calls, emulator))
    finally:
        emulator.stop()
    medians = {path: {operation: [statistics.median(each[operation][index] for each in rounds[path])
                                  for index in (0, 1, 2)] for operation in OPERATIONS} for path in PATHS}

    rows = [('measurement', 'translator', 'direct v1 client', 'ratio (overhead)')]
    for operation in OPERATIONS:
        for index, label in ((0, 'p50 (ms)'), (1, 'p99 (ms)'), (2, 'CPU per call (ms)')):
            ours, theirs = medians['translator'][operation][index], medians['direct'][operation][index]
            rows.append(('%s %s' % (operation, label), '%.2f' % ours, '%.2f' % theirs, '%.2fx' % (ours / theirs)))
    text = '\n'.join([
        'Cloud Datastore calls from python27 code against one Datastore emulator, %d calls per operation, median '
        'of %d alternating rounds (translator: ndb -> API server -> v1; direct: google-cloud-datastore -> v1; '
        'CPU: the caller and its API server, not the emulator):' % (args.calls, args.rounds), table(rows)])
    print(text)
    if args.results_dir:
        figures = {'ms_p50_p99_cpu': medians, 'rounds': rounds, 'calls': args.calls}
        print('saved: %s' % ', '.join(map(str, bench_results.save(args.results_dir, 'datastore', text, figures))))
    return 0


if __name__ == '__main__':
    sys.exit(main())
