"""service_methods: the SDK's map of served calls, read from its sources, each service imported on first use."""

import subprocess
import sys

import pytest

from python_compat import sdk
from python_compat.apiserver import service_methods

LAZY = '''
from __future__ import print_function
import sys
from python_compat.apiserver import service_methods
methods = service_methods.ServiceMethods()
print('search_service_pb' in ' '.join(sys.modules))
request, response = methods.get('search')['IndexDocument']
print(request.__module__, 'search_service_pb' in ' '.join(sys.modules))
'''


def _sdk_map():
    sdk.add_libraries_the_stubs_need()
    from google.appengine.ext.remote_api import remote_api_services
    from google.appengine.tools.devappserver2 import stub_util
    expected = dict((service, dict(methods)) for service, methods in remote_api_services.STUB_SERVICE_PB_MAP.items())
    expected['datastore_v4'] = stub_util.DATASTORE_V4_METHODS
    del expected['user']['SetOAuthUser']
    # This server's own: transactional tasks held by the caller's transaction (tasks/held_actions.py).
    expected['taskqueue']['BulkAddHeldByCaller'] = expected['taskqueue']['BulkAdd']
    return expected


def test_every_service_and_method_equals_the_sdks_own_map_but_the_oauth_test_hook_plus_our_own():
    expected = _sdk_map()
    methods = service_methods.ServiceMethods()

    assert methods.services() == sorted(expected)
    for service in expected:
        assert methods.get(service) == expected[service], service


def test_a_service_not_served_gives_the_default():
    assert service_methods.ServiceMethods().get('no_such_service', {}) == {}


def test_a_services_protocol_buffers_are_imported_when_it_is_first_looked_up():
    output = subprocess.check_output([sys.executable, '-c', LAZY]).decode().splitlines()

    assert output == ['False', 'google.appengine.api.search.search_service_pb True']


def test_a_source_that_no_longer_defines_the_map_is_an_error(tmpdir):
    source = tmpdir.join('remote_api_services.py')
    source.write('def get_service_pb_map():\n  return {}\n')

    with pytest.raises(ValueError) as raised:
        service_methods._literal_maps(str(source), ('get_service_pb_map', 'get_stub_exclusive_service_pb_map'))

    assert 'no longer defines get_stub_exclusive_service_pb_map' in str(raised.value)
