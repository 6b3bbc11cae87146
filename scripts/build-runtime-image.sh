#!/usr/bin/env bash
# Builds the runtime image from runtime-image/ on top of the base image; the OCI labels come from the arguments.
# The pipeline's `runtime` step: the Makefile and cloudbuild.yaml both run this script.
#
# usage: build-runtime-image.sh RUNTIME_IMAGE BASE_IMAGE VERSION REVISION CREATED
set -Eeuo pipefail
[ $# -eq 5 ] || { echo "usage: build-runtime-image.sh RUNTIME_IMAGE BASE_IMAGE VERSION REVISION CREATED" >&2; exit 2; }
runtime_image=$1
base_image=$2
version=$3
revision=$4
created=$5
cd "$(dirname "$0")/.."
docker build --network=none --quiet --tag "$runtime_image" --build-arg "BASE_IMAGE=$base_image" \
  --build-arg "VERSION=$version" --build-arg "REVISION=$revision" --build-arg "CREATED=$created" runtime-image
