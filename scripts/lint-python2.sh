#!/usr/bin/env bash
# Lints Python 2.7 code with flake8 on Python 2.7, in a container of the unit-test image (flake8 is one of its
# pins), with the checkout mounted read-only; the rules are in the checkout's .flake8.
#
# usage: lint-python2.sh UNIT_TEST_IMAGE PATH...   (PATHs relative to the checkout)
set -Eeuo pipefail
[ $# -ge 2 ] || { echo "usage: lint-python2.sh UNIT_TEST_IMAGE PATH..." >&2; exit 2; }
test_image=$1
shift
checkout=$(cd "$(dirname "$0")/.." && pwd)
exec docker run --rm --init --network=none --volume "$checkout:/workspace:ro" --workdir /workspace \
  --entrypoint python "$test_image" -m flake8 --config .flake8 "$@"
