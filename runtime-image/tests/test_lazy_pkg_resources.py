"""lazy_pkg_resources: gunicorn and gevent start without importing pkg_resources; everyone else gets the real one."""

import os
import subprocess
import sys

from python_compat import lazy_pkg_resources

STARTUP = '''
from __future__ import print_function
from python_compat import lazy_pkg_resources
lazy_pkg_resources.install()
import gunicorn.util, gunicorn.config, gunicorn.arbiter
from gevent import monkey
monkey.patch_all()
print('pkg_resources imported: %s' % lazy_pkg_resources.is_loaded())
'''

GEVENT_PLUGIN = '''
from __future__ import print_function
from python_compat import lazy_pkg_resources
lazy_pkg_resources.install()
import gevent.monkey
found = [entry_point.load() for entry_point in
         lazy_pkg_resources.iter_entry_points('gevent.plugins.monkey.will_patch_all')]
print(found == [gevent.monkey._subscribe_signal_os], lazy_pkg_resources.is_loaded())
'''

AS_PKG_RESOURCES = '''
from __future__ import print_function
import sys
from python_compat import lazy_pkg_resources
lazy_pkg_resources.install()
import gunicorn.util
ours = dict((group, sorted((e.name, e.module_name, tuple(e.attrs)) for e in entry_points))
            for group, entry_points in lazy_pkg_resources._entry_points_on_path().items() if entry_points is not None)
import pkg_resources
from pkg_resources import get_distribution
real = dict((group, sorted((e.name, e.module_name, tuple(e.attrs)) for e in pkg_resources.iter_entry_points(group)))
            for group in ours)
print('console_scripts' in ours, ours == real)
print(get_distribution('gevent').version == gunicorn.util.pkg_resources.get_distribution('gevent').version)
print(type(sys.modules['pkg_resources']).__name__)
'''

EXTRAS_GROUP = '''
from __future__ import print_function
from python_compat import lazy_pkg_resources
lazy_pkg_resources.install()
names = [entry_point.name for entry_point in lazy_pkg_resources.iter_entry_points('babel.extractors')]
print(names, lazy_pkg_resources.is_loaded())
'''


def _run(script):
    return subprocess.check_output([sys.executable, '-c', script]).strip().splitlines()


def test_gunicorn_and_gevent_start_without_importing_pkg_resources():
    # Fails when a new gevent or gunicorn uses pkg_resources for more than entry points: then revisit the module.
    assert _run(STARTUP) == ['pkg_resources imported: False']


def test_gevents_own_plugin_is_found_and_loaded_without_pkg_resources():
    assert _run(GEVENT_PLUGIN) == ['True False']


def test_entry_points_read_here_equal_pkg_resources_and_importing_it_gives_the_real_module():
    assert _run(AS_PKG_RESOURCES) == ['True True', 'True', 'module']


def test_a_group_naming_extras_is_left_to_pkg_resources():
    # Jinja2 declares `jinja2 = jinja2.ext:babel_extract [i18n]`: loading it means checking requirements.
    assert _run(EXTRAS_GROUP) == ["['jinja2'] True"]


def test_an_egg_link_on_the_path_leaves_every_group_to_pkg_resources(tmpdir):
    tmpdir.join('checkout.egg-link').write('/src/checkout\n.\n')

    assert lazy_pkg_resources._read_entry_points([str(tmpdir)]) is None


def test_entry_points_files_are_read_as_pkg_resources_reads_them(tmpdir):
    info = tmpdir.mkdir('demo-1.0.dist-info')
    info.join('entry_points.txt').write('# comment\n[console_scripts]\ndemo = demo.cli:main\n\n'
                                        '[ demo.plugins ]\nplain=demo.plugins\nwith-extras = demo.x:y [fast]\n')

    declared = lazy_pkg_resources._read_entry_points([str(tmpdir), os.path.join(str(tmpdir), 'missing')])

    assert [(e.name, e.module_name, e.attrs) for e in declared['console_scripts']] == [('demo', 'demo.cli', ['main'])]
    assert declared['demo.plugins'] is None


MODULE_FILE = '''
from __future__ import print_function
import os, sys
from python_compat import lazy_pkg_resources
lazy_pkg_resources.install()
stand_in_file = lazy_pkg_resources.module_file(sys.modules['pkg_resources'])
print(lazy_pkg_resources.is_loaded())
import pkg_resources
real_file = pkg_resources.__file__
print(os.path.splitext(stand_in_file)[0] == os.path.splitext(real_file)[0], lazy_pkg_resources.is_loaded())
'''


def test_the_stand_ins_file_is_the_real_modules_without_importing_it():
    assert _run(MODULE_FILE) == ['False', 'True True']
