#!/bin/sh
# mmdebstrap customize hook: removes the full Perl (45 MB) that python2.7 drags in only through
# mime-support -> mailcap -> perl. A tiny local package that Provides mailcap keeps dpkg's dependency graph
# whole, so `apt-get install` in child images works as usual (and brings perl back if a package needs it).
# perl-base, which dpkg and debconf need, stays.
# usage: drop-perl.sh ROOTFS_DIR
set -eu
root=${1:?usage: drop-perl.sh ROOTFS_DIR}
stub=$root/tmp/mailcap-stub

mkdir -p "$stub/DEBIAN"
cat > "$stub/DEBIAN/control" <<'CONTROL'
Package: python-compat-mailcap-stub
Version: 1.0
Architecture: all
Maintainer: python-compat <python-compat@users.noreply.github.com>
Priority: optional
Section: misc
Provides: mailcap
Conflicts: mailcap
Replaces: mailcap
Description: stands in for mailcap so the python2.7 image needs no full perl
 Python's mimetypes module reads /etc/mime.types (media-types); nothing in the image reads /etc/mailcap.
CONTROL
chroot "$root" dpkg-deb --root-owner-group --build /tmp/mailcap-stub /tmp/mailcap-stub.deb >/dev/null
# (dpkg warns that mime-support loses its dependency; the stub restores it on the next line.)
chroot "$root" dpkg --force-depends --purge mailcap >/dev/null 2>&1
chroot "$root" dpkg --install /tmp/mailcap-stub.deb >/dev/null
chroot "$root" dpkg --purge perl perl-modules-5.32 libperl5.32 libgdbm-compat4 >/dev/null
rm -rf "$stub" "$stub.deb"
# Refuse to hand over a root filesystem whose package database is inconsistent.
chroot "$root" dpkg --audit
chroot "$root" apt-get check -qq
