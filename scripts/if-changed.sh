#!/usr/bin/env bash
# Runs a build command only when its inputs changed since the last successful run.
# The stamp file records a sha256 over the command line and every input file's path and content; with
# --image NAME the step also reruns when the engine no longer has that image (a new engine, `docker rmi`).
#
# usage: if-changed.sh STAMP [--image NAME] INPUT... -- COMMAND [ARG...]
set -Eeuo pipefail

usage="usage: if-changed.sh STAMP [--image NAME] INPUT... -- COMMAND [ARG...]"
stamp=${1:?$usage}
shift
image=
if [ "${1:-}" = --image ]; then
  image=${2:?$usage}
  shift 2
fi
inputs=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
  inputs+=("$1")
  shift
done
if [ "${1:-}" != -- ] || [ $# -lt 2 ]; then
  echo "$usage" >&2
  exit 2
fi
shift

inputs_hash() {
  {
    printf '%s\0' "$@"
    find "${inputs[@]}" -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
  } | sha256sum | cut -d' ' -f1
}

for input in "${inputs[@]}"; do
  [ -e "$input" ] || { echo "if-changed: input $input does not exist" >&2; exit 1; }
done
want=$(inputs_hash "$@")
have=$(cat "$stamp" 2>/dev/null || true)
if [ "$want" = "$have" ] && { [ -z "$image" ] || docker image inspect "$image" >/dev/null 2>&1; }; then
  echo "up to date: ${image:-$stamp}"
  exit 0
fi
rm -f "$stamp"
"$@"
mkdir -p "$(dirname "$stamp")"
echo "$want" > "$stamp"
