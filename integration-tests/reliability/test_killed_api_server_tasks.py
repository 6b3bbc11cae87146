"""kill -9 of the API server, counting acknowledged tasks: while clients add tasks, the embedded API server process is
killed outright; every task whose add the app acknowledged (taskqueue.add returned) is still stored afterwards."""

import concurrent.futures
import json
import threading
import time

import requests

from reliability import figures

ADDERS = 4
ADDS_PER_ADDER = 300
# Adds acknowledged before the kill: enough that the kill lands among adds in flight.
KILL_AFTER_ACKNOWLEDGED = 200
TIME_LIMIT_SECONDS = 60
# Runs in the container: kills the embedded API server with SIGKILL; prints its pid.
KILL_API_SERVER = (
    "import os, signal\n"
    "for pid in filter(str.isdigit, os.listdir('/proc')):\n"
    "    if pid != str(os.getpid()) and 'python_compat.apiserver' in open('/proc/%s/cmdline' % pid).read():\n"
    "        os.kill(int(pid), signal.SIGKILL)\n"
    "        print(pid)\n")


def test_no_acknowledged_task_is_lost_when_the_api_server_is_killed(app_image, start_app):
    durability = figures.category('kill -9 of the API server: acknowledged tasks kept')
    acknowledged, lock = [], threading.Lock()
    deadline = time.monotonic() + TIME_LIMIT_SECONDS
    with start_app(app_image('durable-tasks')) as app:

        def add_tasks(adder):
            for number in range(ADDS_PER_ADDER):
                if time.monotonic() > deadline:
                    return
                name = 'task-%d-%04d' % (adder, number)
                try:
                    response = app.get('/add', params={'name': name}, timeout=10)
                except requests.RequestException:
                    continue
                if response.status_code == 200 and response.text == 'added':
                    with lock:
                        acknowledged.append(name)

        with concurrent.futures.ThreadPoolExecutor(ADDERS) as pool:
            adders = [pool.submit(add_tasks, adder) for adder in range(ADDERS)]
            while len(acknowledged) < KILL_AFTER_ACKNOWLEDGED and time.monotonic() < deadline:
                time.sleep(0.01)
            exit_code, killed = app.container.exec_run(['python', '-c', KILL_API_SERVER])
            assert exit_code == 0 and killed.split(), killed
            acknowledged_before_kill = len(acknowledged)
            for adder in adders:
                adder.result()
        stored = set(json.loads(app.get('/names', timeout=60).text))

    assert len(acknowledged) > acknowledged_before_kill, 'no add was acknowledged after the API server was killed'
    for name in acknowledged:
        durability.attempt('%s acknowledged, then not stored' % name, held=name in stored)
    durability.assert_all_held()
