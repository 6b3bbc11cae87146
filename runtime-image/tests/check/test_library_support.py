"""library_support: how the image serves each app.yaml library, without importing it."""

import pytest

from python_compat import sdk
from python_compat.app import libraries
from python_compat.check import rows
from python_compat.check.library_support import latest_version, library_support


@pytest.fixture
def image(tmpdir, monkeypatch):
    """An SDK with lib/bundled-1.0 and the runtime's tables reduced to one library of each kind."""
    tmpdir.join('sdk', 'lib', 'bundled-1.0').ensure(dir=True)
    monkeypatch.setattr(sdk, 'sdk_root', lambda: str(tmpdir.join('sdk')))
    monkeypatch.setattr(libraries, 'PINNED', {'pinned': ('pinned_module', '2.0'), 'ssl': ('ssl', None)})
    monkeypatch.setattr(libraries, 'SDK_BUNDLED', {'sdkonly': 'sdkonly-1.0'})
    monkeypatch.setattr(libraries, 'APP_INSTALLED_MODULES', {'installed': 'json', 'absent': 'no_such_module_x'})
    app_root = tmpdir.join('app').ensure(dir=True)
    return str(app_root)


def test_the_sdks_copy_of_the_version_app_engine_served(image):
    assert library_support('bundled', '1.0', image) == (
        rows.AS_ON_APP_ENGINE, "the SDK's bundled bundled 1.0, the copy App Engine served")


def test_the_images_pinned_copy_for_latest(image):
    assert library_support('pinned', 'latest', image) == (rows.AS_ON_APP_ENGINE, "the image's pinned 2.0")


def test_a_library_of_python_itself(image):
    assert library_support('ssl', '2.7.11', image) == (rows.AS_ON_APP_ENGINE, "the image's ssl (part of Python)")


def test_another_version_than_the_pinned_one_is_a_warning(image):
    status, detail = library_support('pinned', '1.5', image)

    assert (status, detail) == (rows.WARNING, 'serves pinned 2.0, not 1.5 (a start-up warning says so; App Engine '
                                              'served 1.5)')


def test_a_library_installed_in_the_image(image):
    assert library_support('installed', '1.0', image)[0] == rows.AS_ON_APP_ENGINE


def test_a_library_the_apps_requirements_install(image, tmpdir):
    tmpdir.join('app', 'requirements.txt').write('Absent==1.2  # pinned\n')

    assert library_support('absent', '1.2', image) == (
        rows.AS_ON_APP_ENGINE, "installed from the app's requirements.txt when its image is built")


def test_a_library_nobody_provides_stops_the_start_up(image):
    assert library_support('absent', '1.2', image) == (
        rows.CANNOT_RUN, "absent 1.2 is not in this runtime image and not in the app's requirements.txt: start-up "
                         "stops")


def test_latest_is_what_the_sdks_appinfo_says():
    assert latest_version('jinja2') == '2.6' and latest_version('no-such-library') is None
