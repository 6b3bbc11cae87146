#!/usr/bin/env bash
# Builds the unit-test image (runtime-image/Dockerfile.test): the runtime's pinned packages plus the test and
# lint pins, without the python_compat package, which run-unit-tests.sh mounts from the checkout.
# The pipeline's `unit-test-image` step: the Makefile and cloudbuild.yaml both run this script.
#
# usage: build-unit-test-image.sh UNIT_TEST_IMAGE RUNTIME_PACKAGES_IMAGE BASE_IMAGE
set -Eeuo pipefail
usage="usage: build-unit-test-image.sh UNIT_TEST_IMAGE RUNTIME_PACKAGES_IMAGE BASE_IMAGE"
[ $# -eq 3 ] || { echo "$usage" >&2; exit 2; }
test_image=$1
packages_image=$2
base_image=$3
cd "$(dirname "$0")/.."
docker build --network=none --quiet --tag "$test_image" --build-arg "RUNTIME_PACKAGES_IMAGE=$packages_image" \
  --build-arg "BASE_IMAGE=$base_image" --file runtime-image/Dockerfile.test runtime-image
