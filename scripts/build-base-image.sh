#!/usr/bin/env bash
# Builds the base image from base-image/ (its root filesystem tarball and wheelhouse must be there already).
# The pipeline's `base` step: the Makefile and cloudbuild.yaml both run this script.
#
# usage: build-base-image.sh BASE_IMAGE
set -Eeuo pipefail
[ $# -eq 1 ] || { echo "usage: build-base-image.sh BASE_IMAGE" >&2; exit 2; }
base_image=$1
cd "$(dirname "$0")/.."
# --network=none: our builds need no network in RUN steps, and this proves it on every build.
docker build --network=none --quiet --tag "$base_image" base-image
