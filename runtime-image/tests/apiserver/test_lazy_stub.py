"""lazy_stub and the API server's stubs: heavy, independent services are made by their first call."""

import subprocess
import sys

from python_compat.apiserver import lazy_stub

REGISTER = '''
from __future__ import print_function
import sys, tempfile
from python_compat.apiserver import config, services, lazy_stub
stub_map = services.register_stubs(config.ApiServerConfig('dev~lazy', storage_path=tempfile.mkdtemp()))
print(sorted(name.rsplit('.', 1)[1] for name in sys.modules if name.endswith('simple_search_stub')
             or name.endswith('images_stub')))
print(lazy_stub.created_stub(stub_map, 'search'), type(lazy_stub.created_stub(stub_map, 'taskqueue')).__name__)
services.save_stubs(stub_map)
print(type(lazy_stub.real_stub(stub_map, 'search')).__name__, type(stub_map.GetStub('search')).__name__)
'''


class _Stub(object):
    THREADSAFE = True

    def __init__(self):
        self.calls = []

    def MakeSyncCall(self, service, call, request, response, request_id=None):  # noqa: N802
        self.calls.append((service, call, request, response, request_id))


class _Map(object):
    def __init__(self):
        self.stubs = {}

    def ReplaceStub(self, service, stub):  # noqa: N802
        self.stubs[service] = stub

    def GetStub(self, service):  # noqa: N802
        return self.stubs.get(service)


def test_the_stub_is_made_by_the_first_call_once_and_takes_its_place_in_the_map():
    made = []
    stub_map = _Map()
    stand_in = stub_map.stubs['demo'] = lazy_stub.LazyStub('demo', lambda: made.append(_Stub()) or made[-1], stub_map)

    assert not stand_in.created and lazy_stub.created_stub(stub_map, 'demo') is None
    stand_in.MakeSyncCall('demo', 'Get', 'request', 'response', 7)
    stand_in.MakeSyncCall('demo', 'Get', 'request', 'response')

    assert len(made) == 1 and stub_map.GetStub('demo') is made[0]
    assert made[0].calls == [('demo', 'Get', 'request', 'response', 7), ('demo', 'Get', 'request', 'response', None)]
    assert stand_in.THREADSAFE is True and lazy_stub.created_stub(stub_map, 'demo') is made[0]


def test_the_server_leaves_search_and_images_unmade_until_called_and_saves_only_what_exists():
    output = subprocess.check_output([sys.executable, '-c', REGISTER]).decode().splitlines()

    assert output == ['[]', 'None TaskQueueStub', 'SearchServiceStub SearchServiceStub']
