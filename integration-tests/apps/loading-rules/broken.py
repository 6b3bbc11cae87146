"""Raises whenever it is imported: its handler answers 500, every other handler serves."""

raise ValueError('broken.py cannot start: SETTINGS_MODULE is not configured')
