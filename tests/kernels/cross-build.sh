#!/bin/sh
# cross-build.sh TRIPLET SRCDIR OUTDIR: nsbuild, its test helpers and its C
# tests built for TRIPLET with Debian's cross toolchain (gcc-TRIPLET),
# linked statically (the guest has no C library of its own), with
# --enable-werror.  Configure and make output go to OUTDIR/build.log.
set -eu
triplet=${1:?usage: cross-build.sh TRIPLET SRCDIR OUTDIR}
src=$(cd "${2:?}" && pwd)
out=${3:?}
command -v "$triplet-gcc" >/dev/null ||
	{ echo "cross-build.sh: no $triplet-gcc (apt-get install gcc-$triplet)" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
log="$out/build.log"
jobs=$(nproc 2>/dev/null || echo 2)
[ -x "$src/configure" ] || { echo "cross-build.sh: $src has no configure (./bootstrap)" >&2; exit 2; }
{
	cd "$out"
	# pkg-config must not answer with this machine's libraries.
	PKG_CONFIG_LIBDIR="/usr/lib/$triplet/pkgconfig" \
		"$src/configure" --host="$triplet" --enable-werror --disable-shared --with-crypto=no &&
		make -j"$jobs" LDFLAGS=-all-static &&
		make -j"$jobs" LDFLAGS=-all-static check TESTS=
} >"$log" 2>&1 || { tail -n 40 "$log" >&2; exit 1; }
if grep -E 'warning:' "$log" >&2; then
	echo "cross-build.sh: $triplet: compiler warnings" >&2
	exit 1
fi
