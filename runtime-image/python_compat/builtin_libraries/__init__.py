"""App Engine python27's built-in libraries (app.yaml `libraries:`), without requirements.txt.

`catalog` says where each name and version App Engine offered is served from, `resolution` turns app.yaml's
list into what App Engine enabled (required and default libraries included), `install` is the child image's
build step that installs the wheelhouse libraries the app names, `summary.how_served` reports how each enabled
library is served (for `check`), and python_compat.app.libraries serves them at start-up.
"""

# The runtime image's offline, hashed wheelhouse (runtime-image/libraries/) and where a child image's build
# installs from it: one directory per library and version, as App Engine's lib/<name>-<version>.
WHEELHOUSE_DIR = '/opt/python-compat/library-wheels'
LIBRARIES_DIR = '/opt/python-compat/libraries'
