#!/usr/bin/env bash
# Builds the `packages` stage of runtime-image/Dockerfile (the base image plus the runtime's pinned packages,
# without the python_compat package) and tags it. The runtime image's build then finds that stage in Docker's
# cache, and the unit-test image starts from it, so neither installs the pins a second time.
# The pipeline's `runtime-packages` step: the Makefile and cloudbuild.yaml both run this script.
#
# usage: build-runtime-packages-image.sh RUNTIME_PACKAGES_IMAGE BASE_IMAGE
set -Eeuo pipefail
[ $# -eq 2 ] || { echo "usage: build-runtime-packages-image.sh RUNTIME_PACKAGES_IMAGE BASE_IMAGE" >&2; exit 2; }
packages_image=$1
base_image=$2
cd "$(dirname "$0")/.."
docker build --network=none --quiet --target packages --tag "$packages_image" --build-arg "BASE_IMAGE=$base_image" \
  runtime-image
