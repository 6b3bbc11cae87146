"""Upload floods: blobstore upload URLs take only what their limits allow. A body to an unknown session is refused
before it is read; bodies over the session's limits or UPLOAD_MAX_BYTES are refused once they pass them (at once
when their length says so); concurrent uploads never hold more than UPLOADS_IN_FLIGHT_MAX_BYTES of disk; and a
refused upload leaves nothing behind (no temporary file, no blob file, no BlobInfo)."""

import concurrent.futures
import re
import threading

import pytest

from reliability import figures
from reliability import raw_http

UPLOAD_MAX_BYTES = 4 << 20
IN_FLIGHT_MAX_BYTES = 8 << 20
CONCURRENT = 6


def _autotuned_maximum(sysctl):
    """The largest buffer Linux's autotuning gives a socket in the host's namespace (the sysctl's third field)."""
    with open('/proc/sys/net/ipv4/' + sysctl) as values:
        return int(values.read().split()[2])


# Linux's default tcp_rmem maximum, which a container's own network namespace starts with.
CONTAINER_RECEIVE_BUFFER_MAX = 6 << 20
# What a client can push into socket buffers before the server reads another byte: its own send buffer (kept
# small), docker-proxy's receive and send buffers on the host, and the container socket's receive buffer, each
# autotuned up to its maximum (the host's may be far larger than the default: 32 MB on the project's machine).
UNREAD_SLACK_BYTES = (raw_http.SEND_BUFFER_BYTES + _autotuned_maximum('tcp_rmem') + _autotuned_maximum('tcp_wmem')
                      + CONTAINER_RECEIVE_BUFFER_MAX)
# More than any refusal can leave in buffers: a runtime that read whole bodies would be seen to.
FLOOD_BYTES = UPLOAD_MAX_BYTES + UNREAD_SLACK_BYTES + (16 << 20)
STORAGE = '/var/lib/python-compat/api'
FILE_PART = (b'--x\r\nContent-Disposition: form-data; name="file"; filename="f.bin"\r\n'
             b'Content-Type: application/octet-stream\r\n\r\n')
END_OF_FORM = b'\r\n--x--\r\n'
# The app's own framework (webob) spools the file parts of each form it receives (the rewritten form, a few hundred
# bytes a file) and frees them when the request object is collected: that much may still be held at the end.
APP_PARSE_BYTES_PER_STORED_UPLOAD = 4096
SAMPLER_STOP_FILE = '/tmp/.stop-sampling'
# Runs in the container (Python 2) until SAMPLER_STOP_FILE appears (or a minute passed): the largest number of bytes
# held by the temporary files uploads are spooled to (Python's tempfile names them /tmp/tmp*, and unlinks them at
# once; SQLite's and gunicorn's have other names), then the bytes they still hold.
DISK_SAMPLER = r'''
import os, sys, time

def held():
    total = 0
    for pid in filter(str.isdigit, os.listdir('/proc')):
        fds = '/proc/%s/fd' % pid
        try:
            names = os.listdir(fds)
        except OSError:
            continue
        for name in names:
            try:
                if os.readlink(os.path.join(fds, name)).startswith('/tmp/tmp'):
                    total += os.stat(os.path.join(fds, name)).st_size
            except OSError:
                pass
    return total

deadline, peak = time.time() + 60, 0
while time.time() < deadline and not os.path.exists(sys.argv[1]):
    peak = max(peak, held())
    time.sleep(0.02)
print('%d %d' % (peak, held()))
'''


@pytest.fixture(scope='module')
def app(app_image, start_app):
    environment = {'UPLOAD_MAX_BYTES': str(UPLOAD_MAX_BYTES), 'UPLOADS_IN_FLIGHT_MAX_BYTES': str(IN_FLIGHT_MAX_BYTES)}
    with start_app(app_image('blobstore'), environment=environment) as running:
        yield running


class DiskSampler(object):
    """Samples, inside the container, the disk held by uploads in flight until peak_and_final() is called."""

    def __init__(self, container):
        self.container = container
        self.result = None
        self._thread = threading.Thread(target=self._run)
        self._thread.start()

    def _run(self):
        exit_code, output = self.container.exec_run(['python', '-c', DISK_SAMPLER, SAMPLER_STOP_FILE])
        assert exit_code == 0, output
        self.result = [int(number) for number in output.split()]

    def peak_and_final(self):
        self.container.exec_run(['touch', SAMPLER_STOP_FILE])
        self._thread.join()
        return self.result


def upload_path(app, **limits):
    url = app.get('/upload-url', params=limits).text
    return re.sub(r'^https?://[^/]+', '', url).encode()


def blob_files(app):
    exit_code, output = app.container.exec_run(['find', STORAGE + '/blobs', '-type', 'f'])
    assert exit_code == 0, output
    return len(output.split())


def test_upload_floods_are_bounded_and_leave_nothing_behind(app):
    port = int(app.url.rsplit(':', 1)[1])
    flooding = figures.category('upload floods')
    unknown_session = upload_path(app)[:-4] + b'AAAA'
    files_before, infos_before = blob_files(app), int(app.get('/blob-count').text)
    sampler = DiskSampler(app.container)

    def flood(what, path, expected, chunked, size=FLOOD_BYTES, prefix=b'', suffix=b'', most_sent=None):
        answer = raw_http.post_streaming(port, path, size, chunked=chunked, prefix=prefix, suffix=suffix)
        within = most_sent is None or answer.sent <= most_sent
        flooding.attempt('%s: %s after %d bytes sent' % (what, answer.status, answer.sent),
                         held=answer.status in expected and within)
        return answer.status

    with concurrent.futures.ThreadPoolExecutor(CONCURRENT) as pool:
        def floods(what, path_of, expected, chunked, **options):
            """CONCURRENT uploads at once, each to the path path_of() gives; their statuses."""
            return list(pool.map(lambda _: flood(what, path_of(), expected, chunked, **options), range(CONCURRENT)))

        for chunked in (True, False):
            kind = 'chunked' if chunked else 'sized'
            floods('%s body to an unknown session' % kind, lambda: unknown_session, (404,), chunked,
                   most_sent=UNREAD_SLACK_BYTES)
            floods('%s body over UPLOAD_MAX_BYTES' % kind, lambda: upload_path(app), (413, 503), chunked,
                   most_sent=UPLOAD_MAX_BYTES + UNREAD_SLACK_BYTES)
            floods('%s body over the session\'s max_bytes_total' % kind,
                   lambda: upload_path(app, max_bytes_total=100000), (413, 503), chunked, prefix=FILE_PART,
                   most_sent=(2 << 20) + UNREAD_SLACK_BYTES)
            floods('%s file over the session\'s max_bytes_per_blob' % kind,
                   lambda: upload_path(app, max_bytes_per_blob=100000), (413, 503), chunked, prefix=FILE_PART,
                   most_sent=UPLOAD_MAX_BYTES + UNREAD_SLACK_BYTES)
        stored = floods('upload within every limit, many at once', lambda: upload_path(app), (302, 503), True,
                        size=3 << 20, prefix=FILE_PART, suffix=END_OF_FORM)
    peak, final = sampler.peak_and_final()
    accepted = stored.count(302)

    flooding.attempt('disk held by uploads in flight peaked at %d bytes' % peak, held=peak <= IN_FLIGHT_MAX_BYTES)
    flooding.attempt('%d bytes still held after the floods' % final,
                     held=final <= accepted * APP_PARSE_BYTES_PER_STORED_UPLOAD)
    flooding.attempt('%d blob files for %d stored uploads' % (blob_files(app) - files_before, accepted),
                     held=blob_files(app) - files_before == accepted)
    infos = int(app.get('/blob-count').text) - infos_before
    flooding.attempt('%d BlobInfo entities for %d stored uploads' % (infos, accepted), held=infos == accepted)
    flooding.assert_all_held()
    assert accepted, 'no upload within the limits was stored'
