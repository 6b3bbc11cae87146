"""Speed-ups of gevent's pywsgi on the path every API call takes, as mixins of the server's request handler.

One module per patch, each with WRITTEN_FOR and RELIES_ON as in python_compat.serving.patches (the same guard
test checks them); RUNTIME_PATCHES=off serves without them, so `make bench` measures what they are worth.
"""

from gevent import pywsgi

from python_compat.apiserver.patches import pywsgi_call_fast_path
from python_compat.apiserver.patches import pywsgi_single_send

PATCHES = (pywsgi_call_fast_path, pywsgi_single_send)


class _QuietHandler(pywsgi.WSGIHandler):
    """No access log line per call: one line per API call would drown the app's logs."""

    def log_request(self):
        pass


class PatchedHandler(pywsgi_call_fast_path.CallFastPath, pywsgi_single_send.SingleSendReply, _QuietHandler):
    """The handler with every patch."""


def handler_class(patched):
    """The request handler class of the API server: with the patches, or pywsgi's own (without an access log)."""
    return PatchedHandler if patched else _QuietHandler
