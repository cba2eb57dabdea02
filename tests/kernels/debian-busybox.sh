#!/bin/sh
# debian-busybox.sh ARCH: Debian's static busybox for ARCH (a Debian
# architecture name: arm64, armhf, ppc64el, s390x, riscv64), for a guest of
# that architecture; prints its path.  The host's own where ARCH is the
# host's; else fetched and verified by debian-pool-get.sh (riscv64 from
# Debian 13, where it became a release architecture), cached like the
# kernels.
set -eu
arch=${1:?usage: debian-busybox.sh ARCH}
if [ "$arch" = "$(dpkg --print-architecture)" ]; then
	bb=$(command -v busybox) || { echo "debian-busybox.sh: apt-get install busybox-static" >&2; exit 2; }
	echo "$bb"
	exit 0
fi
release=bookworm
[ "$arch" = riscv64 ] && release=trixie
dir=$(sh "$(dirname "$0")/debian-pool-get.sh" "$release" "$arch" busybox-static 'busybox=bin/busybox|usr/bin/busybox')
echo "$dir/busybox"
