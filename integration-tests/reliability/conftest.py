"""Prints the reliability suite's figures at the end of the test run (see figures.py)."""

from reliability import figures


def pytest_terminal_summary(terminalreporter):
    found = figures.lines()
    if found:
        terminalreporter.section('reliability figures')
        for line in found:
            terminalreporter.write_line(line)
