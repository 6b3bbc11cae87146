#!/usr/bin/env python3
"""Rewrites the README's table of environment variables from runtime-image/python_compat/config/variables.py.

usage: scripts/update-readme-variables.py [README.md]
(The runtime package's unit tests fail while the README's table differs from the generated one.)
"""

import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'runtime-image'))

from python_compat.config import readme_table  # noqa: E402  (the package's config is Python 2 and 3 code)

START = '<!-- environment variables: generated from runtime-image/python_compat/config/variables.py -->\n'
END = '<!-- end of environment variables -->'


def main(readme_path):
    readme = pathlib.Path(readme_path)
    text = readme.read_text()
    if START not in text or END not in text:
        sys.exit('%s: the generated table\'s markers are missing' % readme)
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    readme.write_text(before + START + readme_table.markdown_table() + END + after)


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else ROOT / 'README.md')
