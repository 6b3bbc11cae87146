"""script_resolution: where a handler's script comes from, without importing it."""

from python_compat.check.script_resolution import is_sdk_script, resolve_wsgi_script, shown_path


def test_the_longest_module_prefix_in_the_app_root(tmpdir):
    tmpdir.join('run', '__init__.py').write('', ensure=True)
    tmpdir.join('run', 'application.py').write('app = None\n')

    module, path = resolve_wsgi_script(str(tmpdir), 'run.application.app')

    assert (module, shown_path(str(tmpdir), path)) == ('run.application', 'run/application.py')


def test_a_package_alone_is_its_init(tmpdir):
    tmpdir.join('pkgonly', '__init__.py').write('app = None\n', ensure=True)

    module, path = resolve_wsgi_script(str(tmpdir), 'pkgonly.app')

    assert (module, shown_path(str(tmpdir), path)) == ('pkgonly', 'pkgonly/__init__.py')


def test_names_after_a_plain_module_are_attributes(tmpdir):
    tmpdir.join('flat.py').write('class Holder(object):\n    app = None\n')

    assert resolve_wsgi_script(str(tmpdir), 'flat.Holder.app')[0] == 'flat'


def test_a_missing_module_is_none(tmpdir):
    assert resolve_wsgi_script(str(tmpdir), 'nowhere_to_be_found.app') == (None, None)


def test_the_sdks_builtin_scripts_are_recognised():
    assert is_sdk_script('google.appengine.ext.deferred.application')
    assert not is_sdk_script('main.app')
