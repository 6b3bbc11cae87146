#!/usr/bin/env bash
# Downloads exactly the hashed pins of requirements files for CPython 2.7 (cp27mu, manylinux x86_64) into a
# wheelhouse, using the host's own pip configuration. Docker builds then install from it with --no-index, so
# they need no network and no CA bundle inside RUN steps.
#
# usage: fetch-wheelhouse.sh WHEELHOUSE_DIR REQUIREMENTS.txt...
set -Eeuo pipefail

usage="usage: fetch-wheelhouse.sh WHEELHOUSE_DIR REQUIREMENTS.txt..."
wheelhouse=${1:?$usage}
shift
[ $# -gt 0 ] || { echo "$usage" >&2; exit 2; }
pip=${PIP:-python3 -m pip}

die() { echo "fetch-wheelhouse: $*" >&2; exit 1; }
mkdir -p "$wheelhouse"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Downloads one hashed requirements file, or prints the one line that says what went wrong.
fetch() {
  local requirements=$1 package pin
  [ -r "$requirements" ] || die "$requirements: cannot read the requirements file"
  # --no-deps: every dependency is pinned in the file already (pip's --require-hashes insists on it at install
  # time). Without --only-binary the pure-Python sdists we need (webapp2, scandir) are allowed, while pip still
  # prefers a wheel for the target whenever one exists.
  if $pip download --quiet --no-deps --require-hashes --dest "$wheelhouse" \
       --python-version 2.7 --implementation cp --abi cp27mu --abi none \
       --platform manylinux1_x86_64 --platform manylinux2010_x86_64 \
       --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform any \
       --requirement "$requirements" >"$log" 2>&1; then
    return 0
  fi
  # pip's own report is many lines; say the one thing that went wrong.
  if grep -q 'DO NOT MATCH THE HASHES' "$log"; then
    package=$(grep -A3 'DO NOT MATCH THE HASHES' "$log" | grep -oE '^ +[A-Za-z0-9_.-]+==[^ ]+' | head -n 1 | tr -d ' ')
    die "$requirements: ${package:-a pin}: the downloaded file does not match its pinned sha256 hash"
  elif grep -qiE 'connection|resolution|timed out|unreachable|Max retries|from versions: none' "$log"; then
    pin=$(grep -oE 'requirement [^ ]+' "$log" | head -n 1 | cut -d' ' -f2)
    die "$requirements: cannot download ${pin:-the pins} from the package index (is it reachable? see 'pip config list')"
  else
    die "$requirements: pip download failed: $(grep -E '^ERROR' "$log" | head -n 1)"
  fi
}

for requirements in "$@"; do
  fetch "$requirements"
done
