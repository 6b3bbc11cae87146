#!/usr/bin/env bash
# Builds the base image's root filesystem: Debian bullseye (the last release with python2.7), variant minbase,
# as a tarball that is bit-identical across runs for the same SOURCE_DATE_EPOCH and archive state.
#
# usage: build-rootfs.sh [--keep-debs] OUTPUT.tar [EXTRA_PACKAGE...]
#        (extra packages: the library builder's root filesystem adds its compiler and headers this way;
#        --keep-debs leaves the downloaded .deb files in /var/cache/apt/archives, for the library builder to hand
#        the run-time packages of some libraries to child images)
# env:   SOURCE_DATE_EPOCH (required), DEBIAN_MIRROR / DEBIAN_SECURITY_MIRROR (default: this machine's apt sources)
set -Eeuo pipefail

cleanup=()
if [ "${1:-}" = --keep-debs ]; then
  cleanup=(--skip=cleanup/apt/cache)
  shift
fi
out=${1:?usage: build-rootfs.sh [--keep-debs] OUTPUT.tar [EXTRA_PACKAGE...]}
shift
: "${SOURCE_DATE_EPOCH:?build-rootfs: SOURCE_DATE_EPOCH must be set so the tarball is reproducible}"
export SOURCE_DATE_EPOCH

die() { echo "build-rootfs: $*" >&2; exit 1; }

# The first URI in this machine's apt sources that serves the given archive path ("debian" or "debian-security").
mirror_from_apt_sources() {
  local archive=$1
  grep -h -E '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
    | grep -oE 'https?://[^ ]+' | sed 's:/*$::' | grep -E "/${archive}\$" | head -n 1 || true
}

mirror=${DEBIAN_MIRROR:-$(mirror_from_apt_sources debian)}
security_mirror=${DEBIAN_SECURITY_MIRROR:-$(mirror_from_apt_sources debian-security)}
[ -n "$mirror" ] || die "no Debian mirror found in /etc/apt/sources.list.d/*.sources; set DEBIAN_MIRROR"
command -v mmdebstrap >/dev/null 2>&1 || "$(dirname "$0")/ensure-debian-packages.sh" mmdebstrap

sources=("deb $mirror bullseye main")
[ -z "$security_mirror" ] || sources+=("deb $security_mirror bullseye-security main")

# What python2.7 and the pinned manylinux wheels load at run time: libstdc++ (grpcio), libgcc (gevent),
# zlib/expat/ffi/ssl come in with python2.7 itself; MariaDB's client library (0.7 MB) for the built-in library
# MySQLdb, which a child image installs from the library wheelhouse (runtime-image/libraries/).
packages=python2.7,libpython2.7,ca-certificates,tzdata,libstdc++6,libgcc-s1,netbase,libmariadb3
for extra in "$@"; do
  packages="$packages,$extra"
done

hooks=$(cd "$(dirname "$0")/../base-image/rootfs-hooks" && pwd)
mkdir -p "$(dirname "$out")"
tmp="$out.tmp"
# The hooks' "$1" is mmdebstrap's root directory, expanded by mmdebstrap, not by this shell.
# shellcheck disable=SC2016
# Docs, man pages, locales and info pages are dropped at unpack time; mmdebstrap itself removes apt lists and
# caches. The hook deletes files that differ on every run (machine-id, logs, ld cache aux, debconf backups).
mmdebstrap \
  --quiet \
  --variant=minbase \
  "${cleanup[@]}" \
  --format=tar \
  --include="$packages" \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/usr/share/lintian/*' \
  --customize-hook="$hooks/drop-perl.sh \"\$1\"" \
  --customize-hook='rm -f "$1"/var/cache/debconf/*-old "$1"/var/lib/dpkg/*-old "$1"/etc/machine-id' \
  --customize-hook='rm -rf "$1"/var/log/apt/* "$1"/var/log/dpkg.log "$1"/var/log/alternatives.log "$1"/usr/share/info' \
  bullseye "$tmp" "${sources[@]}" \
  || die "mmdebstrap failed (mirror $mirror)"
mv "$tmp" "$out"
