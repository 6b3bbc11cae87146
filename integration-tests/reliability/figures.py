"""Counts what each reliability probe attempted and how many attempts the runtime held, and prints the figures.

A test takes a category by name, records every attempt with whether the runtime held, then asserts they all held:

    spoofing = figures.category('spoofed headers')
    for header in HEADERS:
        spoofing.attempt(header, held=header_never_reached_the_app(header))
    spoofing.assert_all_held()

At the end of the run conftest.py prints one line per category, in the order they were first used:

    spoofed headers: attempted 40, held 40
"""

import collections

_CATEGORIES = collections.OrderedDict()


class Category(object):
    """The attempts of one kind of fault: how many, and which ones the runtime did not hold."""

    def __init__(self, name):
        self.name = name
        self.attempted = 0
        self.failures = []

    def attempt(self, description, held):
        """Records one attempt; `held` is True when the runtime behaved as it promises."""
        self.attempted += 1
        if not held:
            self.failures.append(description)
        return held

    @property
    def held(self):
        return self.attempted - len(self.failures)

    def line(self):
        return '%s: attempted %d, held %d' % (self.name, self.attempted, self.held)

    def assert_all_held(self):
        assert self.attempted, '%s: nothing was attempted' % self.name
        assert not self.failures, '%s; not held: %s' % (self.line(), '; '.join(self.failures))


def category(name):
    """The Category called `name`, made on first use; every test adding to a name adds to the same figures."""
    if name not in _CATEGORIES:
        _CATEGORIES[name] = Category(name)
    return _CATEGORIES[name]


def lines():
    """One 'category: attempted N, held M' line per category used so far."""
    return [found.line() for found in _CATEGORIES.values()]
