"""Command line of the runtime image: `python -m python_compat COMMAND`."""

from python_compat import cli

if __name__ == '__main__':
    cli.main()
