"""The container's first process (`serve`): starts and watches the API server and the gunicorn master, sends the
requests the runtime makes of its own app (warmup, cron), and holds the runtime's secrets, out of the app's reach.

    supervisor (PID 1, never runs app code, not dumpable)
      +-- API server   python -m python_compat.apiserver --secrets-on-stdin   restarted whenever it exits
      +-- gunicorn     python -m python_compat.serving                        the app; its exit ends the container
            +-- workers

See main.py for the life of the container, children.py for how a child is kept running, handoff.py for what
each child is told, status.py for what the health checks read.
"""
