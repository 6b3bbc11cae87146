"""builtin_libraries.summary: one row per enabled library saying how this runtime serves it."""

from google.appengine.api import appinfo

from python_compat.builtin_libraries import summary
from python_compat.builtin_libraries.summary import Served


def library(name, version):
    return appinfo.Library(name=name, version=version)


def test_named_required_and_default_libraries_each_have_a_row():
    rows = summary.how_served([library('django', 'latest'), library('jinja2', '2.6'), library('lxml', '2.3')])

    assert rows[:5] == [
        Served('libraries[0] (django)', 'django', '1.4', 'wheelhouse', 'Django==1.4.13'),
        Served('libraries[1] (jinja2)', 'jinja2', '2.6', 'sdk', 'jinja2-2.6'),
        Served('libraries[2] (lxml)', 'lxml', '2.3', 'wheelhouse',
               'lxml==2.3 deb:libicu67 deb:libxml2 deb:libxslt1.1'),
        Served('libraries[1] (jinja2 2.6 requires markupsafe)', 'markupsafe', '0.15', 'sdk', 'markupsafe-0.15'),
        Served('libraries[1] (jinja2 2.6 requires setuptools)', 'setuptools', '0.6c11', 'sdk', 'setuptools-0.6c11'),
    ]
    assert [row.key for row in rows[5:]] == ['default library %s' % name for name in
                                             ('protorpc', 'pytz', 'six', 'webapp2', 'webob', 'werkzeug', 'yaml')]


def test_a_version_app_engine_never_offered_is_unknown():
    row, = summary.how_served([library('django', '1.6')])[:1]

    assert row == Served('libraries[0] (django)', 'django', '1.6', 'unknown',
                         'App Engine offered 1.2, 1.3, 1.4, 1.5, 1.9, 1.11')
