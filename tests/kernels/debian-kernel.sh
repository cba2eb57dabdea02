#!/bin/sh
# debian-kernel.sh SERIES [ARCH]: the newest of Debian's prebuilt cloud
# kernels of SERIES ("6.1", "6.12") for ARCH (default amd64) in the
# archive this machine uses; prints the path of its vmlinuz.  Cached
# outside the work tree (NSB_KERNEL_CACHE, default /var/cache/nsbuild-kernels)
# by package name and version.
set -eu
series=${1:?usage: debian-kernel.sh SERIES [ARCH]}
arch=${2:-amd64}
cache=${NSB_KERNEL_CACHE:-/var/cache/nsbuild-kernels}
flavour=cloud-$arch
case $arch in arm64) flavour=cloud-arm64 ;; amd64) ;; *) flavour=$arch ;; esac

# The newest package of the series: 6.1 names its ABI (6.1.0-57-...),
# 6.12 its version (6.12.107+deb12-...).
re=$(printf '%s' "$series" | sed 's/\./\\./g')
pkg=$(apt-cache search --names-only "^linux-image-$re[.-][0-9].*-$flavour-unsigned\$" 2>/dev/null |
	cut -d' ' -f1 | sort -V | tail -n 1)
[ -n "$pkg" ] || { echo "debian-kernel.sh: no linux-image-$series*-$flavour-unsigned in the archive (apt-get update?)" >&2; exit 2; }
version=$(apt-cache show "$pkg:$arch" 2>/dev/null | sed -n 's/^Version: //p' | sort -V | tail -n 1)
out="$cache/debian/$pkg-$version"
if [ ! -f "$out/vmlinuz" ]; then
	mkdir -p "$cache/debian"
	tmp=$(mktemp -d "$cache/debian/.get.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get download -q "$pkg:$arch" >/dev/null 2>"$tmp/err") ||
		{ echo "debian-kernel.sh: apt-get download $pkg:$arch failed: $(cat "$tmp/err")" >&2; exit 1; }
	dpkg-deb -x "$tmp"/*.deb "$tmp/x"
	mkdir -p "$tmp/out"
	cp "$tmp"/x/boot/vmlinu[xz]-* "$tmp/out/vmlinuz"
	cp "$tmp"/x/boot/config-* "$tmp/out/config" 2>/dev/null || true
	mv "$tmp/out" "$out"
fi
echo "$out/vmlinuz"
