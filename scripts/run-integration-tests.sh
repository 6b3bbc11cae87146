#!/usr/bin/env bash
# Runs the integration tests (Python 3, pytest and the Docker SDK on the host) against the given images.
# Extra arguments go to pytest. The pipeline's `integration-test` step: the Makefile and cloudbuild.yaml both run
# this script.
#
# usage: run-integration-tests.sh RUNTIME_IMAGE BASE_IMAGE UNIT_TEST_IMAGE [PYTEST_ARG...]
# env:   PATH must find a python3 with the host test tools (`make test-tools` installs them in .venv/bin)
set -Eeuo pipefail
[ $# -ge 3 ] || { echo "usage: run-integration-tests.sh RUNTIME_IMAGE BASE_IMAGE UNIT_TEST_IMAGE [PYTEST_ARG...]" >&2
                  exit 2; }
# The tests read the images under test from these variables (the unit-test image runs the Python 2.7 suite
# against Google's emulators).
export RUNTIME_IMAGE=$1 BASE_IMAGE=$2 RUNTIME_TEST_IMAGE=$3
shift 3
cd "$(dirname "$0")/.."
exec python3 -m pytest integration-tests "$@"
