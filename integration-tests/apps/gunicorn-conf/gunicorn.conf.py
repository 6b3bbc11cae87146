# The app's own gunicorn settings: they win over the runtime's defaults for what they name.
workers = 3
