"""The API server's Unix socket for the app processes of its own container: framed calls (wire/framed_calls.py).

Each connection is a greenlet that reads a call, runs it with the same ApiCallExecutor as `POST /rpc_http`, and
writes the answer, for as long as the client keeps it open.
"""

import logging
import os
import socket

from gevent.server import StreamServer

from python_compat.wire import framed_calls

_log = logging.getLogger(__name__)


class FramedCallServer(object):
    """Serves framed calls on the Unix socket at `path` (replaced if a previous server left it behind)."""

    def __init__(self, path, executor):
        self.path = path
        self.executor = executor
        self._server = None

    def start(self):
        if os.path.exists(self.path):
            os.unlink(self.path)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.path)
        # Only the container's user: the app processes run as it.
        os.chmod(self.path, 0o600)
        listener.listen(128)
        self._server = StreamServer(listener, self._serve_connection)
        self._server.start()

    def stop(self, timeout):
        if self._server is not None:
            self._server.stop(timeout=timeout)
        if os.path.exists(self.path):
            os.unlink(self.path)

    def _serve_connection(self, sock, _address):
        reader = framed_calls.FrameReader(sock)
        try:
            while True:
                body = reader.next_frame()
                if body is None:
                    return
                service, method, ticket, request_bytes, deadline = framed_calls.parse_call(body)
                kind, code, payload = self.executor.run(service, method, request_bytes, deadline, ticket or None)
                sock.sendall(framed_calls.answer_frame(kind, payload, code))
        except (framed_calls.FrameError, EOFError) as error:
            _log.warning('closing a framed-call connection: %s', error)
        except socket.error:
            pass  # the client went away
        finally:
            sock.close()
