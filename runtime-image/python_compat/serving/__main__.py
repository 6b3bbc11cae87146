"""`python -m python_compat.serving`: the gunicorn master, as the supervisor starts it (see serve.py)."""

from python_compat.serving.serve import serve

if __name__ == '__main__':
    serve()
