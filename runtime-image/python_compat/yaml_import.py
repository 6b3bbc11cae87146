# -*- coding: utf-8 -*-
"""PyYAML, imported without compiling its slowest regular expression.

At import, PyYAML 5.4.1's `yaml.reader` compiles `Reader.NON_PRINTABLE`: every character outside
`\\x09 \\x0A \\x0D \\x20-\\x7E \\x85 \\xA0-\\uD7FF \\uE000-\\uFFFD \\U00010000-\\U0010FFFF`, written as a negated class.
On a wide-Unicode Python 2.7 (Debian's), compiling that class walks every code point of its last range: a list of
a million ints, a large share of the start-up time and memory of a process that imports yaml (the API server's
datastore stub does; see `make bench`). The same set written as the characters it matches has only small ranges.
Compiled first and put in `re`'s cache under PyYAML's own pattern, it is what yaml.reader's `re.compile` returns.
Should PyYAML change its pattern, the cache entry is simply not used.
"""

import re
import sys

PYYAML_NON_PRINTABLE = u'[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010ffff]'
# The complement of the class above within U+0000..U+10FFFF.
NON_PRINTABLE = u'[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uD800-\uDFFF\uFFFE\uFFFF]'


def import_yaml():
    """Imports PyYAML (if it is not yet) with NON_PRINTABLE compiled the quick way; returns the module."""
    if 'yaml' not in sys.modules and sys.maxunicode > 0xFFFF:
        # Python 2.7.18's re keeps {(pattern type, pattern, flags): (compiled, locale or None)}; it is emptied
        # when it fills up, so the entry goes in just before the import that reads it.
        re._cache[(unicode, PYYAML_NON_PRINTABLE, 0)] = (  # pylint: disable=protected-access
            re.compile(NON_PRINTABLE), None)
    import yaml
    return yaml
