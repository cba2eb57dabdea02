#!/bin/sh
# build-kernel.sh VARIANT: a kernel from Debian's linux-source-6.1, made
# from tinyconfig, fragments/base.config and fragments/VARIANT.config;
# prints the path of its image.
#
# Built kernels are cached outside the work tree (NSB_KERNEL_CACHE, default
# /var/cache/nsbuild-kernels), keyed by everything that goes into them (the
# fragments, this script, the source package's version, the compiler), so a
# later run on the same machine reuses them; variants of an architecture
# share an object directory, and ccache keeps what a rebuild can reuse.  After olddefconfig every requested option is checked: Kconfig
# drops what it cannot set without a word (CONFIG_SECCOMP_FILTER=n is
# meaningless; only CONFIG_SECCOMP=n removes it).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
variant=${1:?usage: build-kernel.sh VARIANT}
frag="$here/fragments/$variant.config"
[ -f "$frag" ] || { echo "build-kernel.sh: no fragment $frag" >&2; exit 2; }
cache=${NSB_KERNEL_CACHE:-/var/cache/nsbuild-kernels}
# The architecture: x86_64, unless the variant names another (built with
# Debian's cross toolchain).
case $variant in
riscv64*) karch=riscv cross=riscv64-linux-gnu- image=arch/riscv/boot/Image ;;
*) karch=x86_64 cross= image=arch/x86/boot/bzImage ;;
esac
if [ -n "$cross" ] && ! command -v "${cross}gcc" >/dev/null; then
	echo "build-kernel.sh: no ${cross}gcc (apt-get install gcc-${cross%-})" >&2
	exit 2
fi
tarball=$(ls /usr/src/linux-source-6.1.tar.xz 2>/dev/null) ||
	{ echo "build-kernel.sh: no /usr/src/linux-source-6.1.tar.xz (apt-get install linux-source-6.1)" >&2; exit 2; }
version=$(dpkg-query -W -f '${Version}' linux-source-6.1)
jobs=$(nproc 2>/dev/null || echo 2)
mkdir -p "$cache"

key=$( { cat "$here/fragments/base.config" "$frag" "$0"; echo "$version $(${cross}gcc -dumpfullversion) $karch"; } |
	sha256sum | cut -c1-16)
out="$cache/$variant-$key"
if [ -f "$out/Image" ]; then
	echo "$out/Image"
	exit 0
fi

# One build at a time per cache: variants share the source tree and ccache.
exec 9>"$cache/.lock"
flock 9

src="$cache/src-$version"
if [ ! -f "$src/Makefile" ]; then
	echo "build-kernel.sh: unpacking linux-source $version" >&2
	rm -rf "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xJf "$tarball" -C "$src.tmp" --strip-components=1
	mv "$src.tmp" "$src"
fi

# One object directory per architecture, shared by its variants: kbuild
# tracks which objects depend on which option (fixdep), so a variant after
# another recompiles only what the options between them change, and ccache
# the rest.  (Measured cold on the development machine: "all" 203 s, then
# no-netns 174 s: NET_NS reaches most of the network stack.)
rm -rf "$cache/obj-$variant" # the layout before, one per variant
obj="$cache/obj-$karch"
mkdir -p "$obj"
log="$obj/build.log"
export CCACHE_DIR="$cache/ccache"
cc=${cross}gcc
command -v ccache >/dev/null && cc="ccache $cc"
echo "build-kernel.sh: building $variant (log: $log)" >&2
{
	make -C "$src" O="$obj" ARCH=$karch CROSS_COMPILE=$cross tinyconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$here/fragments/base.config" "$frag"
	make -C "$src" O="$obj" ARCH=$karch CROSS_COMPILE=$cross olddefconfig
} >"$log" 2>&1 || { tail -n 30 "$log" >&2; exit 1; }

# Every option asked for must have taken.
missed=
for f in "$here/fragments/base.config" "$frag"; do
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) grep -qx "$line" "$obj/.config" || missed="$missed $line" ;;
		"# CONFIG_"*" is not set")
			opt=${line#\# }; opt=${opt%% *}
			! grep -q "^$opt=" "$obj/.config" || missed="$missed $opt=n" ;;
		esac
	done <"$f"
done
[ -z "$missed" ] || { echo "build-kernel.sh: $variant: Kconfig did not take:$missed" >&2; exit 1; }

make -C "$src" O="$obj" ARCH=$karch CROSS_COMPILE=$cross CC="$cc" -j"$jobs" "$(basename "$image")" >>"$log" 2>&1 ||
	{ tail -n 30 "$log" >&2; exit 1; }
rm -rf "$out.tmp"
mkdir -p "$out.tmp"
cp "$obj/$image" "$out.tmp/Image"
cp "$obj/.config" "$out.tmp/"
mv "$out.tmp" "$out"
echo "$out/Image"
