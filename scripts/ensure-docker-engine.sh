#!/usr/bin/env bash
# Makes sure a Docker engine answers. On a fresh Debian machine, as root, installs Debian's docker.io and starts
# dockerd in the background; anywhere else, says what is missing and exits non-zero.
set -Eeuo pipefail

log=${DOCKERD_LOG:-/var/log/python-compat-dockerd.log}

engine_answers() { docker info >/dev/null 2>&1; }

die() { echo "ensure-docker-engine: $*" >&2; exit 1; }

engine_answers && exit 0

if [ "$(id -u)" -ne 0 ]; then
  die "no Docker engine answers and this user is not root; start dockerd or add this user to the docker group"
fi
command -v dockerd >/dev/null 2>&1 || "$(dirname "$0")/ensure-debian-packages.sh" docker.io iptables ca-certificates

echo "ensure-docker-engine: starting dockerd (log: $log)" >&2
# setsid: the engine must outlive the make or CI step that started it.
setsid dockerd >"$log" 2>&1 < /dev/null &
for _ in $(seq 1 60); do
  engine_answers && exit 0
  sleep 0.5
done
die "dockerd did not answer within 30 s (log: $log)"
