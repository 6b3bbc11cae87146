#!/usr/bin/env bash
# Builds the library wheelhouse (runtime-image/libraries/Dockerfile, no network) and copies it out of the image
# to OUTPUT_DIR: every wheel plus SHA256SUMS, which the runtime image carries for child images to install from.
#
# usage: build-library-wheels.sh CONTEXT_DIR OUTPUT_DIR BUILDER_IMAGE BASE_IMAGE
# env:   SOURCE_DATE_EPOCH (required: the built wheels' file times)
set -Eeuo pipefail

usage="usage: build-library-wheels.sh CONTEXT_DIR OUTPUT_DIR BUILDER_IMAGE BASE_IMAGE"
context=${1:?$usage}
out=${2:?$usage}
image=${3:?$usage}
base_image=${4:?$usage}
: "${SOURCE_DATE_EPOCH:?build-library-wheels: SOURCE_DATE_EPOCH must be set}"

docker build --network=none --quiet --tag "$image" --build-arg BASE_IMAGE="$base_image" \
  --build-arg SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" "$context" >/dev/null
container=$(docker create "$image" /wheelhouse)
trap 'docker rm "$container" >/dev/null' EXIT
rm -rf "$out.tmp" "$out"
mkdir -p "$(dirname "$out")"
docker cp "$container:/wheelhouse" "$out.tmp"
mv "$out.tmp" "$out"
echo "library wheelhouse: $(find "$out" -name '*.whl' | wc -l) wheels, $(du -sh "$out" | cut -f1)"
