"""`python -m python_compat.serving [--secrets-on-stdin]`: the gunicorn master, as the supervisor starts it (see
serve.py); with the flag, the secrets it needs come on stdin (supervisor/handoff.py)."""

import sys

from python_compat.serving.serve import serve
from python_compat.supervisor import handoff

if __name__ == '__main__':
    serve(handoff.read_secrets(sys.stdin) if handoff.SECRETS_ON_STDIN_FLAG in sys.argv[1:] else None)
