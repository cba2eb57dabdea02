#!/bin/sh
# debian-kernel.sh SERIES [ARCH]: the newest of Debian 12's prebuilt
# kernels of SERIES ("6.1", "6.12") for ARCH (a Debian architecture,
# default amd64; the cloud flavour where there is one); prints the path of
# its image (vmlinuz, or vmlinux where Debian ships that).  Fetched and
# verified by debian-pool-get.sh, cached outside the work tree
# (NSB_KERNEL_CACHE, default /var/cache/nsbuild-kernels) by package name
# and version.
set -eu
series=${1:?usage: debian-kernel.sh SERIES [ARCH]}
arch=${2:-amd64}
# Debian's flavour for QEMU's generic machine of each architecture.
case $arch in
amd64) flavour=cloud-amd64 ;;
arm64) flavour=cloud-arm64 ;;
armhf) flavour=armmp-lpae ;;
ppc64el) flavour=powerpc64le ;;
s390x) flavour=s390x ;;
*) echo "debian-kernel.sh: no flavour known for $arch" >&2; exit 2 ;;
esac
# 6.1 names its ABI (linux-image-6.1.0-57-...), 6.12 its version
# (linux-image-6.12.117+deb12-...).
re="linux-image-$(printf '%s' "$series" | sed 's/\./\\./g')[.-][0-9][^ ]*-$flavour"
dir=$(sh "$(dirname "$0")/debian-pool-get.sh" bookworm "$arch" "$re" 'vmlinuz=boot/vmlinu[xz]-*' 'config?=boot/config-*')
echo "$dir/vmlinuz"
