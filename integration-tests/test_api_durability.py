"""Durability: datastore data outlives the container when the API storage path is a volume, and outlives the
embedded API server process, which the entrypoint restarts when it dies."""

import time

# Prints the in-container pid of the embedded API server (`docker top` shows host pids).
FIND_API_SERVER_PID = (
    "import os\n"
    "for pid in filter(str.isdigit, os.listdir('/proc')):\n"
    "    if pid != str(os.getpid()) and 'python_compat.apiserver' in open('/proc/%s/cmdline' % pid).read():\n"
    "        print(pid)\n")
WRITES = 20


def put_note(app, name, text):
    response = app.get('/note/put', params={'name': name, 'text': text})
    assert response.status_code == 200, response.text


def note_text(app, name):
    response = app.get('/note/get', params={'name': name})
    assert response.status_code == 200, response.text
    return response.json()['text']


def api_server_pids(container):
    exit_code, output = container.exec_run(['python', '-c', FIND_API_SERVER_PID])
    assert exit_code == 0, output
    return output.decode().split()


def api_server_pid(container):
    pids = api_server_pids(container)
    assert len(pids) == 1, 'expected one API server process, found %r' % pids
    return pids[0]


def test_datastore_data_survives_a_new_container_on_the_same_storage_volume(app_image, start_app, storage_volume_mount):
    image = app_image('api-shared-state')
    names = ['kept%02d' % n for n in range(WRITES)]
    with start_app(image, volumes=storage_volume_mount) as first:
        for name in names:
            put_note(first, name, 'text of ' + name)
        first.container.stop(timeout=10)
    with start_app(image, volumes=storage_volume_mount) as second:
        assert [note_text(second, name) for name in names] == ['text of ' + name for name in names]


def test_a_killed_embedded_api_server_is_restarted_without_losing_committed_writes(app_image, start_app):
    with start_app(app_image('api-shared-state')) as app:
        names = ['before-kill%02d' % n for n in range(WRITES)]
        for name in names:
            put_note(app, name, 'text of ' + name)
        killed = api_server_pid(app.container)
        exit_code, output = app.container.exec_run(['sh', '-c', 'kill -KILL ' + killed])
        assert exit_code == 0, output

        # The workers make their datastore calls themselves: wait for the supervisor to start a new API server.
        deadline = time.monotonic() + 30
        while api_server_pids(app.container) in ([], [killed]):
            assert time.monotonic() < deadline, 'the API server was not restarted: ' + app.logs()[-3000:]
            time.sleep(0.2)

        assert api_server_pid(app.container) != killed
        assert [note_text(app, name) for name in names] == ['text of ' + name for name in names]
        put_note(app, 'after-restart', 'still writing')
        assert note_text(app, 'after-restart') == 'still writing'
        assert 'restarting it' in app.container.logs().decode()


def test_the_workers_make_their_datastore_calls_themselves(app_image, start_app):
    """Each worker writes and reads the SQLite file itself (apiclient/datastore_here.py): no call waits for the API
    server."""
    with start_app(app_image('api-shared-state')) as app:
        put_note(app, 'before-pause', 'written before')
        paused = api_server_pid(app.container)
        exit_code, output = app.container.exec_run(['sh', '-c', 'kill -STOP ' + paused])
        assert exit_code == 0, output
        try:
            names = ['while-paused%02d' % n for n in range(WRITES)]
            for name in names:
                assert app.get('/note/put', params={'name': name, 'text': 'text of ' + name},
                               timeout=5).status_code == 200
            texts = [app.get('/note/get', params={'name': name}, timeout=5).json()['text']
                     for name in ['before-pause'] + names]
        finally:
            app.container.exec_run(['sh', '-c', 'kill -CONT ' + paused])
        assert texts == ['written before'] + ['text of ' + name for name in names]
