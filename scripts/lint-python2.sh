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
# The image's .pth file imports python_compat whenever Python starts: the checkout's copy, as for the unit tests.
package=/env/lib/python2.7/site-packages/python_compat
exec docker run --rm --init --network=none --volume "$checkout:/workspace:ro" --workdir /workspace \
  --volume "$checkout/runtime-image/python_compat:$package:ro" \
  --entrypoint python "$test_image" -m flake8 --config .flake8 "$@"
