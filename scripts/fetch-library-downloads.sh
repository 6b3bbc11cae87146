#!/usr/bin/env bash
# Downloads the library wheelhouse's pins (runtime-image/libraries/pins.txt): published wheels and the sdists the
# library builder compiles. The file pins several versions of one project, which one pip call refuses ("double
# requirement"), so each line goes through scripts/fetch-wheelhouse.sh as a requirements file of its own.
#
# usage: fetch-library-downloads.sh DOWNLOAD_DIR PINS.txt
set -Eeuo pipefail

usage="usage: fetch-library-downloads.sh DOWNLOAD_DIR PINS.txt"
dest=${1:?$usage}
pins=${2:?$usage}
[ -r "$pins" ] || { echo "fetch-library-downloads: $pins: cannot read the pins file" >&2; exit 1; }
# pip reads an sdist's metadata by running its setup.py here, and mysqlclient's setup.py runs mysql_config.
"$(dirname "$0")/ensure-debian-packages.sh" libmariadb-dev-compat

split=$(mktemp -d)
trap 'rm -rf "$split"' EXIT
count=0
while IFS= read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  count=$((count + 1))
  printf '%s\n' "$line" > "$split/$(printf '%03d' "$count").txt"
done < "$pins"
[ "$count" -gt 0 ] || { echo "fetch-library-downloads: $pins: no pins" >&2; exit 1; }
"$(dirname "$0")/fetch-wheelhouse.sh" "$dest" "$split"/*.txt
