"""An App Engine API server: the SDK's service stubs behind the service-bridge protocol (`POST /rpc_http`).

Run it with `python -m python_compat.apiserver --app-id ID [--port P] [--storage-path DIR]`, or call
`main(argv)` in a process of its own. Its data lives under the storage path, so every process and container
pointed at one server shares entities, memcache values and queues.

Nothing is imported here at module level: gevent must patch the standard library before the SDK's stubs
import `threading` and `socket`.
"""


def main(argv=None):
    """Serves until SIGTERM/SIGINT. Monkey-patches this process for gevent: call it in a process of its own."""
    from gevent import monkey
    monkey.patch_all()

    import os
    import sys
    from python_compat import logs
    # Before the SDK is imported, so the warnings its modules log at import time are formatted too; in the
    # runtime's format (JSON lines by default), since it shares the container's stdout with the app.
    logs.configure(os.environ.get('LOG_FORMAT', 'json').lower(), 'INFO')

    from python_compat.apiserver import config
    from python_compat.apiserver import server

    server.serve_forever(config.parse_args(sys.argv[1:] if argv is None else argv))
