#!/bin/sh
# make-initramfs.sh SRCDIR BUILDDIR OUT: the kernel matrix's guest root as
# a gzip'd newc cpio: a static busybox for the tools, the nsbuild of
# BUILDDIR with every library it loads, the test helpers, the test scripts
# of SRCDIR, and guest-init as /init.
set -eu
src=$(cd "${1:?usage: make-initramfs.sh SRCDIR BUILDDIR OUT}" && pwd)
build=$(cd "${2:?}" && pwd)
out=${3:?}

# BUSYBOX: a static busybox of the guest's architecture (default: this
# machine's); FOREIGN: a static helper of an ABI the guest's kernel may run
# but the filter must kill (/t/foreign-helper).
if [ -n "${BUSYBOX:-}" ]; then
	bb=$BUSYBOX
else
	bb=$(command -v busybox) || { echo "make-initramfs.sh: no busybox (apt-get install busybox-static)" >&2; exit 2; }
	ldd "$bb" 2>&1 | grep -q "not a dynamic executable" ||
		{ echo "make-initramfs.sh: $bb is not static (apt-get install busybox-static)" >&2; exit 2; }
fi

root=$(mktemp -d "${TMPDIR:-/tmp}/nsbk-root.XXXXXX")
trap 'rm -rf "$root"' EXIT
# The cpio gives / mktemp's 0700: every user must get through it.
chmod 0755 "$root"
# Merged /usr, as Debian 12 has it: /bin, /sbin and /lib are symlinks
# into /usr (the tests bind /usr and find sh in /usr/bin).
mkdir -p "$root/usr/bin" "$root/usr/sbin" "$root/usr/lib" "$root/usr/lib64" "$root/etc" "$root/proc" \
	"$root/sys" "$root/dev" "$root/tmp" "$root/run" "$root/root" "$root/t" "$root/src/tests/kernels" "$root/build"
for d in bin sbin lib lib64; do ln -s "usr/$d" "$root/$d"; done
cp "$bb" "$root/usr/bin/busybox"
# The applets, as this machine's busybox lists them (a foreign one cannot
# run here; Debian builds every architecture's with one configuration).
lister=$bb
"$bb" --list >/dev/null 2>&1 || lister=$(command -v busybox) ||
	{ echo "make-initramfs.sh: no busybox here to list the applets of $bb (apt-get install busybox-static)" >&2; exit 2; }
for applet in $("$lister" --list); do
	[ -e "$root/usr/bin/$applet" ] || ln -s busybox "$root/usr/bin/$applet"
done

# An ELF of the build tree: the real binary behind a libtool wrapper.
real() {
	d=$(dirname "$1") b=$(basename "$1")
	if [ -x "$d/.libs/$b" ]; then echo "$d/.libs/$b"; else echo "$1"; fi
}
# Copy an ELF and what it loads, at the paths the loader looks in.
libpath="$build/libstore/.libs"
with_libs() {
	LD_LIBRARY_PATH="$libpath" ldd "$1" 2>/dev/null | while read -r a b c d; do
		case $a in
		/*) lib=$a ;;                       # the interpreter
		*) [ "$b" = "=>" ] && [ -n "${c:-}" ] && [ "$c" != "not" ] && lib=$c || continue ;;
		esac
		case $lib in
		"$libpath"/*) dest="$root/usr/lib/$(basename "$lib")" ;;
		/usr/*) dest="$root$lib" ;;
		*) dest="$root/usr$lib" ;;
		esac
		mkdir -p "$(dirname "$dest")"
		cp -L "$lib" "$dest"
	done
}
cp "$(real "$build/tools/nsbuild")" "$root/usr/bin/nsbuild"
with_libs "$(real "$build/tools/nsbuild")"
for h in helpers/nsb-testhelper helpers/nsb-testhelper-static helpers/nsb-nokernel test-seccomp; do
	[ -x "$build/tests/$h" ] || continue
	cp "$(real "$build/tests/$h")" "$root/t/${h#helpers/}"
	with_libs "$(real "$build/tests/$h")"
done
[ -z "${FOREIGN:-}" ] || cp "$FOREIGN" "$root/t/foreign-helper"
# libnsbuild where the loader looks without an rpath or a cache: its
# built-in directory (Debian's multiarch one), beside libc.
multi=$(dirname "$(find "$root/usr" -name 'libc.so.*' | head -n 1)")
if [ "$multi" != "$root/usr/lib" ] && ls "$root/usr/lib/"libnsbuild.so* >/dev/null 2>&1; then
	mv "$root/usr/lib/"libnsbuild.so* "$multi/"
fi

cp "$src"/tests/*.sh "$root/src/tests/"
mkdir -p "$root/src/tests/fuzz"
cp -R "$src/tests/fuzz/corpus" "$root/src/tests/fuzz/"
cp "$build/config.h" "$root/build/"
cp "$src"/tests/kernels/guest-checks.sh "$root/src/tests/kernels/"
cp "$src/tests/kernels/guest-init" "$root/init"
chmod 755 "$root/init"
printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/tmp/u1000:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nuser:x:1000:\nusers:x:100:\n' >"$root/etc/group"

(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
