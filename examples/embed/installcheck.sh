#!/bin/sh
# make installcheck: build examples/embed/realise.c against the installed
# libnsbuild with nothing but pkg-config, check that it links the installed
# copy, and realise the demo store's two derivations with it.
# Usage: installcheck.sh SRCDIR LIBDIR PKGCONFIGDIR WORKDIR
set -eu
srcdir=$1 libdir=$2 pcdir=$3 work=$4
CC=${CC:-cc}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
export PKG_CONFIG_PATH="$pcdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
rm -rf "$work"
mkdir -p "$work"
cflags=$($PKG_CONFIG --cflags nsbuild)
libs=$($PKG_CONFIG --libs nsbuild)
echo "installcheck: $CC $cflags realise.c $libs"
# shellcheck disable=SC2086
$CC -Wall -Wextra -Werror $cflags -o "$work/realise" "$srcdir/examples/embed/realise.c" $libs -Wl,-rpath,"$libdir"
lib=$(ldd "$work/realise" | sed -n 's/.*libnsbuild[^ ]* => \([^ ]*\).*/\1/p')
case $lib in
"$libdir"/*) echo "installcheck: realise uses $lib" ;;
*) echo "installcheck: realise links '$lib', not the copy in $libdir" >&2; exit 1 ;;
esac
drvs=$("$srcdir/examples/store/make-store.sh" "$work/store")
for d in $drvs; do
	out=$("$work/realise" --host-tools "$work/store" "$d")
	echo "installcheck: realised $out"
done
result=$("$out/bin/greet")
[ "$result" = "Hello from a program built in the nsbuild sandbox." ] || {
	echo "installcheck: unexpected output: $result" >&2
	exit 1
}
echo "installcheck: $out/bin/greet says: $result"
chmod -R u+w "$work"
rm -rf "$work"
