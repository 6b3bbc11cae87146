#!/usr/bin/env bash
# Runs the runtime package's unit tests (pytest on Python 2.7) in a container of the unit-test image, against
# this checkout: its python_compat package, its tests, its README and the library wheelhouse (make library-wheels)
# are mounted read-only, so a change to any of them needs no image build. Extra arguments go to pytest; test paths are relative to runtime-image/tests.
# The pipeline's `unit-test` step: the Makefile and cloudbuild.yaml both run this script.
#
# usage: run-unit-tests.sh UNIT_TEST_IMAGE [PYTEST_ARG...]
set -Eeuo pipefail
[ $# -ge 1 ] || { echo "usage: run-unit-tests.sh UNIT_TEST_IMAGE [PYTEST_ARG...]" >&2; exit 2; }
test_image=$1
shift
checkout=$(cd "$(dirname "$0")/.." && pwd)
# Where the runtime image installs the package; the unit-test image has none of its own there.
package=/env/lib/python2.7/site-packages/python_compat
# --network=none: the tests need loopback only (the API server tests listen on 127.0.0.1 inside the container).
# --init: a stopped run (Ctrl-C, a pipeline timeout) stops pytest too, which as PID 1 would ignore SIGTERM.
exec docker run --rm --init --network=none \
  --volume "$checkout/runtime-image/python_compat:$package:ro" \
  --volume "$checkout/runtime-image/tests:/opt/python-compat-tests:ro" \
  --volume "$checkout/runtime-image/build/library-wheels:/opt/python-compat/library-wheels:ro" \
  --volume "$checkout/README.md:/opt/README.md:ro" --env PYTHON_COMPAT_README=/opt/README.md \
  "$test_image" "$@"
