"""`python3 -m cloudbuild_local` (with scripts/ on PYTHONPATH); scripts/cloudbuild-local does that for you."""

import sys

from .cli import main

sys.exit(main())
