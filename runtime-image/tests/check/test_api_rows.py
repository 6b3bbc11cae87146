"""api_rows: one row per App Engine API an app imports."""

import re

from python_compat.check import rows
from python_compat.check.api_rows import api_rows
from python_compat.check.imports_scan import ScanResult

DEFERRED = [re.compile('^(?:/_ah/queue/deferred)$')]


def scanned(**modules):
    result = ScanResult()
    result.modules = dict((name.replace('__', '.'), files) for name, files in modules.items())
    return result


def test_each_api_is_one_row_naming_the_files():
    found = api_rows(scanned(google__appengine__ext__ndb=['a.py', 'b.py', 'c.py'],
                             google__appengine__ext__db=['d.py'], google__appengine__api__users=['a.py']))

    assert [(row.what, row.status) for row in found] == [
        ('API datastore (a.py, b.py +2)', rows.AS_ON_APP_ENGINE),
        ('API users (a.py)', rows.needs('IDENTITY_SOURCE'))]


def test_a_package_named_only_on_the_way_to_an_api_is_no_row():
    found = api_rows(scanned(google__appengine__api=['a.py'], google__appengine__api__memcache=['a.py']))

    assert [row.what for row in found] == ['API memcache (a.py)']


def test_an_app_engine_module_in_no_api_is_not_checked():
    [row] = api_rows(scanned(google__appengine__api__labs__mystery=['a.py']))

    assert (row.what, row.status) == ('API google.appengine.api.labs.mystery (a.py)', rows.NOT_CHECKED)


def test_other_libraries_are_no_rows():
    assert api_rows(scanned(jinja2=['a.py'], os=['a.py'])) == []


def test_deferred_without_its_handler_is_a_warning():
    [without] = api_rows(scanned(google__appengine__ext__deferred=['a.py']))
    [with_handler] = api_rows(scanned(google__appengine__ext__deferred=['a.py']), DEFERRED)

    assert without.status == rows.WARNING and 'builtins' in without.detail
    assert with_handler.status == rows.AS_ON_APP_ENGINE


def test_unparsable_files_are_a_warning():
    result = scanned()
    result.unparsable = ['py3.py']

    assert [(row.what, row.status) for row in api_rows(result)] == [('source: py3.py', rows.WARNING)]
