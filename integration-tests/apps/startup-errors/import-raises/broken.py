import os

raise ValueError("the app cannot start: %s" % os.environ.get("MISSING_SETTING"))
