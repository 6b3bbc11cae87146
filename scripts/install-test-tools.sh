#!/usr/bin/env bash
# Installs what `make test` needs on the host: a Python 3 virtualenv with pytest, the Docker SDK, testinfra, ruff,
# container-structure-test and hadolint (scripts/requirements-host.txt), plus Debian's shellcheck,
# docker-registry (for the push test), memcached and docker-compose (for the compose example). Does nothing when
# all of it is already there.
# usage: install-test-tools.sh VENV_DIR
set -Eeuo pipefail
venv=${1:?usage: install-test-tools.sh VENV_DIR}
here=$(cd "$(dirname "$0")" && pwd)
requirements=$here/requirements-host.txt
die() { echo "install-test-tools: $*" >&2; exit 1; }

"$here/ensure-debian-packages.sh" shellcheck docker-registry memcached docker-compose

stamp=$venv/.requirements.sha256
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  python3 -m venv "$venv" || die "python3 -m venv $venv failed (Python 3.10+ with venv is required)"
  log=$(mktemp)
  "$venv/bin/pip" install --quiet -r "$requirements" >"$log" 2>&1 \
    || die "pip could not install $requirements: $(grep -E '^ERROR' "$log" | head -n 1) (log: $log)"
  rm -f "$log"
  echo "$want" > "$stamp"
fi
