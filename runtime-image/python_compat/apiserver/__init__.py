"""An App Engine API server: the SDK's service stubs behind the service-bridge protocol (`POST /rpc_http`).

Run it with `python -m python_compat.apiserver --app-id ID [--port P] [--storage-path DIR]`, or call
`main(argv)` in a process of its own. Its data lives under the storage path, so every process and container
pointed at one server shares entities, memcache values and queues.

Nothing is imported here at module level: gevent must patch the standard library before the SDK's stubs
import `threading` and `socket`.
"""


def main(argv=None):
    """Serves until SIGTERM/SIGINT. Monkey-patches this process for gevent: call it in a process of its own."""
    from python_compat import lazy_pkg_resources
    lazy_pkg_resources.install()  # gevent's patch_all imports it
    from gevent import monkey
    monkey.patch_all()

    import os
    import sys
    from python_compat.config import variables
    from python_compat.config.settings import read_settings
    from python_compat.errors import StartupError
    from python_compat.logs import setup as log_setup
    from python_compat.supervisor import handoff
    from python_compat.supervisor import process
    from python_compat.wire import internal_token
    # It holds the internal-request token, and the app's processes run as the same uid.
    process.make_non_dumpable()
    argv = list(sys.argv[1:] if argv is None else argv)
    if handoff.SECRETS_ON_STDIN_FLAG in argv:
        # Started by the supervisor: the secrets come on stdin, never through the environment it was started
        # with. Into os.environ itself, so the settings remove them (and what the SDK would act on) once read.
        argv.remove(handoff.SECRETS_ON_STDIN_FLAG)
        os.environ.update(handoff.read_secrets(sys.stdin))
    try:
        settings = read_settings(variables.API_SERVER, os.environ)
    except StartupError as error:
        _refuse(error)
    # Before the SDK is imported, so the warnings its modules log at import time are formatted too; in the
    # runtime's format (JSON lines by default), since it shares the container's stdout with the app.
    log_setup.configure(settings.log_format, 'INFO')
    internal_token.use_secret(settings.internal_request_secret)

    from python_compat.apiserver import config
    api_server_config = config.parse_args(argv, settings)
    if api_server_config.cloud_datastore is not None:
        # Before the server imports the SDK's datastore modules: they decide then whether they convert to v1.
        from python_compat.apiserver.datastore import cloud
        cloud.install_sdk_v1_support()
    # The SDK's datastore stub imports PyYAML: imported here, quickly (yaml_import.py).
    from python_compat import yaml_import
    yaml_import.import_yaml()
    from python_compat.apiserver import http_server
    try:
        http_server.serve_forever(api_server_config)
    except StartupError as error:
        _refuse(error)


def _refuse(error):
    """Ends the server on a configuration error: its one line, and the exit status that tells the supervisor a
    restart would not help."""
    import sys
    from python_compat.supervisor import handoff
    sys.stderr.write('python-compat api-server: %s\n' % error.line())
    sys.exit(handoff.CONFIGURATION_ERROR_EXIT_STATUS)
