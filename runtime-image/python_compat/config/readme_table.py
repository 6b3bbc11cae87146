"""The README's table of environment variables, generated from variables.py so the two never disagree.

    python -m python_compat.config.readme_table      # prints the Markdown table
"""

from __future__ import print_function

from python_compat.config import variables

READ_BY = {(variables.APP,): 'app', (variables.API_SERVER,): 'API server', variables.BOTH: 'both'}


def markdown_table():
    """The Markdown table: one row per variable, in the order of variables.VARIABLES."""
    lines = ['| variable | default | read by | meaning |', '|---|---|---|---|']
    for variable in variables.VARIABLES:
        if variable.internal:
            continue
        lines.append('| `%s` | %s | %s | %s |' % (variable.name, variable.default_doc, READ_BY[variable.read_by],
                                                variable.doc))
    return '\n'.join(lines) + '\n'


if __name__ == '__main__':
    print(markdown_table(), end='')
