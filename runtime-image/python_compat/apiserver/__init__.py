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

    import sys
    from python_compat.config import variables
    from python_compat.config.settings import read_settings
    from python_compat.errors import StartupError
    from python_compat.logs import setup as log_setup
    from python_compat.wire import internal_token
    try:
        settings = read_settings(variables.API_SERVER)
    except StartupError as error:
        sys.exit('python-compat api-server: %s' % error.line())
    # Before the SDK is imported, so the warnings its modules log at import time are formatted too; in the
    # runtime's format (JSON lines by default), since it shares the container's stdout with the app.
    log_setup.configure(settings.log_format, 'INFO')
    internal_token.use_secret(settings.internal_request_secret)

    from python_compat.apiserver import config
    from python_compat.apiserver import http_server

    http_server.serve_forever(config.parse_args(sys.argv[1:] if argv is None else argv, settings))
