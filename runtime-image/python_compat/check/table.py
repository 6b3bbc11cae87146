"""The `check` report as text: one aligned table, then one line saying whether the app can run here."""

from python_compat.check import rows as rows_module

HEADINGS = ('USED BY THE APP', 'README SECTION', 'HOW THIS RUNTIME SERVES IT')


def format_table(rows):
    """The rows as lines of three left-aligned columns under HEADINGS (the long one last)."""
    cells = [HEADINGS] + [(row.what, row.section, row.how) for row in rows]
    widths = [max(len(cell[column]) for cell in cells) for column in range(2)]
    return ['%-*s  %-*s  %s' % (widths[0], what, widths[1], section, how) for what, section, how in cells]


# What the closing line counts: (status prefix, singular, plural).
ATTENTION = ((rows_module.NEEDS, 'needs configuration', 'need configuration'),
             (rows_module.WARNING, 'warning', 'warnings'),
             (rows_module.NOT_SUPPORTED, 'not supported', 'not supported'),
             (rows_module.NOT_CHECKED, 'not checked', 'not checked'))


def verdict(rows):
    """The closing line: whether the app can run, and how many rows need attention."""
    blocking = sum(1 for row in rows if row.status == rows_module.CANNOT_RUN)
    if blocking:
        return 'This app cannot run on python-compat: %d %s marked "cannot run" stop%s it at start-up.' % (
            blocking, 'problem' if blocking == 1 else 'problems', 's' if blocking == 1 else '')
    counted = []
    for status, singular, plural in ATTENTION:
        count = sum(1 for row in rows if row.status.startswith(status))
        if count:
            counted.append('%d %s' % (count, singular if count == 1 else plural))
    return 'This app can run on python-compat%s.' % (' (%s)' % ', '.join(counted) if counted else '')


def can_run(rows):
    return not any(row.status == rows_module.CANNOT_RUN for row in rows)
