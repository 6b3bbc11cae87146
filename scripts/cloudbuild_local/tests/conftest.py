"""Makes `cloudbuild_local` importable however pytest is started: the package lives in scripts/."""

import os
import sys

SCRIPTS_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if SCRIPTS_DIR not in sys.path:
    sys.path.insert(0, SCRIPTS_DIR)
