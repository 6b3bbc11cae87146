"""`python -m python_compat.apiserver`: see python_compat.apiserver."""

from python_compat.apiserver import main

if __name__ == '__main__':
    main()
