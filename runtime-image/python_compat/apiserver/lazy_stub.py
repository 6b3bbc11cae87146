"""A service stub created when the first call reaches it.

Each SDK stub module imports its service's protocol buffers and libraries (the search stub its query parser,
images PIL): an app that never calls a service should not pay for it in memory or start-up time.
"""

import threading


class LazyStub(object):
    """Stands in a stub map for the stub `create()` returns; creates it on the first call or attribute use, then
    puts it in the map in its own place."""

    def __init__(self, service, create, stub_map):
        self._service = service
        self._create = create
        self._stub_map = stub_map
        self._stub = None
        self._lock = threading.Lock()

    @property
    def created(self):
        return self._stub is not None

    def stub(self):
        """The real stub, created now if it is not yet."""
        if self._stub is None:
            with self._lock:
                if self._stub is None:
                    stub = self._create()
                    self._stub_map.ReplaceStub(self._service, stub)
                    self._stub = stub
        return self._stub

    def MakeSyncCall(self, service, call, request, response, request_id=None):  # noqa: N802 (the SDK's name)
        return self.stub().MakeSyncCall(service, call, request, response, request_id)

    def __getattr__(self, name):
        return getattr(self.stub(), name)


def created_stub(stub_map, service):
    """The service's stub if it exists by now, else None (a LazyStub never used)."""
    stub = stub_map.GetStub(service)
    if isinstance(stub, LazyStub):
        return stub.stub() if stub.created else None
    return stub


def real_stub(stub_map, service):
    """The service's stub itself, created now if no call has created it yet."""
    stub = stub_map.GetStub(service)
    return stub.stub() if isinstance(stub, LazyStub) else stub
