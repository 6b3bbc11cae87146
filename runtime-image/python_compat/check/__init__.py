"""`check`: a compatibility report for app owners, without serving or importing the app.

`docker run --rm -v "$PWD:/app:ro" IMAGE check` reads app.yaml and its companions (cron, queue, index, dispatch),
scans the app's imports, and prints one table: every app.yaml element, library and App Engine API the app uses,
how this runtime serves it, and the README section that says more (command.py).
"""
