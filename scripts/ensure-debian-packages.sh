#!/usr/bin/env bash
# Installs the named Debian packages that are missing, when running as root on Debian; otherwise names them
# and exits non-zero. Prints nothing when everything is there already.
# usage: ensure-debian-packages.sh PACKAGE...
set -Eeuo pipefail
[ $# -gt 0 ] || { echo "usage: ensure-debian-packages.sh PACKAGE..." >&2; exit 2; }
die() { echo "ensure-debian-packages: $*" >&2; exit 1; }

missing=()
for package in "$@"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and this is not Debian; install them by hand"
[ "$(id -u)" -eq 0 ] || die "missing Debian packages ${missing[*]}; as root run: apt-get install ${missing[*]}"
echo "ensure-debian-packages: installing ${missing[*]}" >&2
log=$(mktemp)
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
         "${missing[@]}"; } >"$log" 2>&1; then
  die "apt-get could not install ${missing[*]}: $(grep -E '^E:' "$log" | head -n 1) (log: $log)"
fi
rm -f "$log"
