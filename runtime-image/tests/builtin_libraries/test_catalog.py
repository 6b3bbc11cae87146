"""builtin_libraries.catalog: every library and version App Engine offered has one entry, and each entry's
source exists in the image."""

import hashlib
import os

import pytest

from google.appengine.api import appinfo

from python_compat import builtin_libraries
from python_compat import sdk
from python_compat.builtin_libraries import catalog
from python_compat.builtin_libraries import install

SUPPORTED = [(library.name, version) for library in appinfo._SUPPORTED_LIBRARIES
             for version in library.supported_versions]


def test_the_catalog_has_exactly_the_versions_appinfo_accepts():
    entries = catalog.load().entries

    assert sorted((entry.name, entry.version) for entry in entries) == sorted(SUPPORTED)


@pytest.mark.parametrize('entry', [e for e in catalog.load().entries if e.source == 'sdk'], ids=str)
def test_an_sdk_entry_names_a_directory_the_sdk_bundles(entry):
    assert os.path.isdir(os.path.join(sdk.sdk_root(), 'lib', entry.what))


@pytest.mark.parametrize('entry', [e for e in catalog.load().entries if e.source == 'wheelhouse'], ids=str)
def test_a_wheelhouse_entry_has_a_wheel_whose_sha256_matches(entry):
    wheelhouse = builtin_libraries.WHEELHOUSE_DIR
    hashes = install.wheel_hashes(wheelhouse)
    for distribution in entry.distributions:
        requirement = install.hashed_requirement(distribution, hashes)
        digest = requirement.rpartition('sha256:')[2]
        name = [name for name, value in hashes.items() if value == digest][0]
        with open(os.path.join(wheelhouse, name), 'rb') as wheel:
            assert hashlib.sha256(wheel.read()).hexdigest() == digest
    assert len(install.deb_files(entry, wheelhouse, hashes)) == len(entry.debs)


def test_entries_not_provided_say_why():
    for entry in catalog.load().entries:
        if entry.source == 'none':
            assert len(entry.what.split()) > 5, entry


def test_a_malformed_line_is_one_error_naming_the_line():
    with pytest.raises(ValueError) as error:
        catalog.parse(['# comment', 'django 1.4 django wheelhouse Django==1.4.13', 'lxml 3.7.3 lxml pip lxml'],
                      source='catalog.txt')

    assert str(error.value) == ('catalog.txt:3: expected "name version module source what", source one of '
                                'sdk, wheelhouse, python, runtime, none')


def test_lookup_of_a_version_app_engine_never_offered_is_none():
    assert catalog.load().lookup('django', '1.6') is None
    assert catalog.load().lookup('django', '1.4').what == 'Django==1.4.13'
