#!/bin/sh
# debian-kernel.sh SERIES [ARCH [RELEASE]]: the newest of Debian's prebuilt
# kernels of SERIES ("6.1", "6.12"; "newest": whatever RELEASE has, for
# sid, whose versions move) for ARCH (a Debian
# architecture, default amd64; the cloud flavour where there is one) in
# RELEASE (default bookworm, Debian 12); prints the path of
# its image (vmlinuz, or vmlinux where Debian ships that).  Fetched and
# verified by debian-pool-get.sh, cached outside the work tree
# (NSB_KERNEL_CACHE, default /var/cache/nsbuild-kernels) by package name
# and version.
set -eu
series=${1:?usage: debian-kernel.sh SERIES [ARCH [RELEASE]]}
arch=${2:-amd64}
release=${3:-bookworm}
# Debian's flavour for QEMU's generic machine of each architecture.
case $arch in
amd64) flavour=cloud-amd64 ;;
arm64) flavour=cloud-arm64 ;;
armhf) flavour=armmp-lpae ;;
ppc64el) flavour=powerpc64le ;;
s390x) flavour=s390x ;;
*) echo "debian-kernel.sh: no flavour known for $arch" >&2; exit 2 ;;
esac
# 6.1 names its ABI (linux-image-6.1.0-57-...), 6.12 and later their
# version (linux-image-6.12.117+deb12-..., linux-image-7.2.13+deb14-...).
# Since Debian 14 the image is in linux-binary-*, at usr/lib/modules/*/
# (its config in linux-base-*, not fetched).
case $release in
bookworm|trixie) kind=image ;;
*) kind=binary ;;
esac
if [ "$series" = newest ]; then
	re="linux-$kind-[0-9][^ ]*-$flavour"
else
	re="linux-$kind-$(printf '%s' "$series" | sed 's/\./\\./g')[.-][0-9][^ ]*-$flavour"
fi
# sid's newest may leave the archive before its successor is built: then
# the newest this cache holds, saying so.
if ! dir=$(sh "$(dirname "$0")/debian-pool-get.sh" "$release" "$arch" "$re" \
	'vmlinuz=boot/vmlinu[xz]-*|usr/lib/modules/*/vmlinu[xz]' 'config?=boot/config-*'); then
	[ "$series" = newest ] || exit 1
	dir=$(ls -d "${NSB_KERNEL_CACHE:-/var/cache/nsbuild-kernels}/debian/linux-$kind-"*"-$flavour-$arch-"* 2>/dev/null |
		sort -V | tail -n 1)
	[ -n "$dir" ] && [ -f "$dir/vmlinuz" ] || exit 1
	echo "debian-kernel.sh: no $re in $release now; using the cached $dir" >&2
fi
echo "$dir/vmlinuz"
