"""yaml_import: PyYAML imported with its non-printable class compiled the quick way, and matching the same text."""

import subprocess
import sys

import sre_compile

from python_compat import yaml_import

IMPORT = '''
from __future__ import print_function
from python_compat import yaml_import
yaml = yaml_import.import_yaml()
print(yaml.__version__, yaml.reader.Reader.NON_PRINTABLE.pattern == yaml_import.NON_PRINTABLE)
print(yaml.safe_load(u'text: caf\\xe9'))
try:
    yaml.safe_load(u'text: bell \\x07')
except yaml.reader.ReaderError as error:
    print('refused', hex(error.character))
'''


def test_the_quick_class_matches_exactly_the_characters_pyyamls_own_matches():
    every_character = u''.join(unichr(code) for code in range(sys.maxunicode + 1))
    pyyaml_own = sre_compile.compile(yaml_import.PYYAML_NON_PRINTABLE)  # not re.compile: its cache may hold ours

    assert sre_compile.compile(yaml_import.NON_PRINTABLE).findall(every_character) == (
        pyyaml_own.findall(every_character))


def test_the_pinned_pyyaml_takes_the_quick_class_and_still_refuses_non_printable_text():
    # Fails when PyYAML changes its pattern: the import is then slow again (and still correct).
    output = subprocess.check_output([sys.executable, '-c', IMPORT]).decode().splitlines()

    assert output == ['5.4.1 True', "{'text': u'caf\\xe9'}", 'refused 0x7']
