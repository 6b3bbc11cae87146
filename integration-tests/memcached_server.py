"""Debian's memcached as a test server on the host's 127.0.0.1 (TCP only, bounded memory), and reading it directly.
Shared by the memcache backend tests and the replica tests."""

import contextlib
import os
import shutil
import socket
import subprocess
import time

import pytest


def free_port():
    with contextlib.closing(socket.socket()) as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def memcached_text(port, command):
    """memcached's reply to one text-protocol command line, read until its final line."""
    with socket.create_connection(('127.0.0.1', port), timeout=5) as sock:
        sock.sendall(command.encode() + b'\r\n')
        reply = b''
        while not reply.endswith((b'END\r\n', b'OK\r\n', b'ERROR\r\n')):
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
        return reply.decode('latin-1')


def memcached_stats(port):
    return dict(line.split(' ', 2)[1:] for line in memcached_text(port, 'stats').splitlines()
                if line.startswith('STAT '))


class Memcached(object):
    """Debian's memcached on 127.0.0.1 at a free port, TCP only."""

    def __init__(self):
        binary = shutil.which('memcached') or '/usr/bin/memcached'
        if not os.path.exists(binary):
            pytest.skip('memcached is not installed (scripts/install-test-tools.sh installs it)')
        self.port = free_port()
        command = [binary, '-l', '127.0.0.1', '-p', str(self.port), '-U', '0', '-m', '64']
        if os.geteuid() == 0:
            command += ['-u', 'nobody']
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(('127.0.0.1', self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise AssertionError('memcached did not start on 127.0.0.1:%d' % self.port)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
