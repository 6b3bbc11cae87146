#!/usr/bin/env bash
# Pushes images to their registry and prints one "IMAGE@DIGEST" line per image on stdout.
# usage: push-images.sh IMAGE...
set -Eeuo pipefail
[ $# -gt 0 ] || { echo "usage: push-images.sh IMAGE..." >&2; exit 2; }
for image in "$@"; do
  log=$(mktemp)
  if ! docker push "$image" >"$log" 2>&1; then
    echo "push-images: docker push $image failed: $(tail -n 1 "$log")" >&2
    rm -f "$log"
    exit 1
  fi
  digest=$(grep -oE 'digest: sha256:[0-9a-f]{64}' "$log" | tail -n 1 | cut -d' ' -f2)
  rm -f "$log"
  [ -n "$digest" ] || { echo "push-images: docker push $image printed no digest" >&2; exit 1; }
  echo "${image%:*}@$digest"
done
