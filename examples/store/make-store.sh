#!/bin/sh
# Make a small Nix-style store in STORE: two source files, two builder
# scripts and two derivations, the second depending on the first's output:
#
#   <hash>-hello.drv     compiles hello.c into $out/bin/hello
#   <hash>-greeting.drv  runs that hello, keeps what it says in
#                        $out/share/greeting and writes $out/bin/greet
#
# Usage: examples/store/make-store.sh STORE
# Prints the paths of the two .drv files, one a line.  Store path hashes are
# the first 32 hex digits of the SHA-256 of the content (with 'e', which
# Nix's base 32 lacks, written 'z'): the shape of Nix's, not its algorithm.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
store=${1:?usage: make-store.sh STORE}
case $store in /*) ;; *) echo "make-store.sh: STORE must be an absolute path" >&2; exit 2 ;; esac
mkdir -p "$store"
system=$(uname -m)-linux

# add_file NAME FILE: copy FILE into the store as <hash>-NAME, print its path.
add_file() {
	h=$(sha256sum "$2" | cut -c1-32 | tr e z)
	p="$store/$h-$1"
	[ -e "$p" ] || { cp "$2" "$p.tmp.$$" && chmod 0444 "$p.tmp.$$" && mv "$p.tmp.$$" "$p"; }
	echo "$p"
}

# str S: S as an ATerm string (escapes \ " and newlines).
str() {
	printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' | sed -e ':a' -e 'N' -e '$!ba' -e 's/\n/\\n/g')"
}

# out_path NAME SEED: the output path of derivation NAME, from what defines it.
out_path() {
	echo "$store/$(printf '%s' "$2" | sha256sum | cut -c1-32 | tr e z)-$1"
}

# write_drv NAME TEXT: store TEXT (a derivation) as <hash>-NAME.drv.
write_drv() {
	tmp="$store/.drv.$$"
	printf '%s' "$2" >"$tmp"
	p=$(add_file "$1.drv" "$tmp")
	rm -f "$tmp"
	echo "$p"
}

hello_c=$(add_file hello.c "$here/../hello/hello.c")
hello_sh=$(add_file hello-builder.sh "$here/hello-builder.sh")
greeting_sh=$(add_file greeting-builder.sh "$here/greeting-builder.sh")

path="/usr/bin:/bin"
hello_out=$(out_path hello-1.0 "$hello_c $hello_sh $system")
hello_drv=$(write_drv hello-1.0 "Derive([(\"out\",$(str "$hello_out"),\"\",\"\")],[],[$(str "$hello_c"),$(str "$hello_sh")],$(str "$system"),\"/bin/sh\",[$(str "$hello_sh")],[(\"PATH\",$(str "$path")),(\"builder\",\"/bin/sh\"),(\"name\",\"hello-1.0\"),(\"out\",$(str "$hello_out")),(\"src\",$(str "$hello_c")),(\"system\",$(str "$system"))])")

greeting_out=$(out_path greeting-1.0 "$hello_drv $greeting_sh $system")
greeting_drv=$(write_drv greeting-1.0 "Derive([(\"out\",$(str "$greeting_out"),\"\",\"\")],[($(str "$hello_drv"),[\"out\"])],[$(str "$greeting_sh")],$(str "$system"),\"/bin/sh\",[$(str "$greeting_sh")],[(\"PATH\",$(str "$path")),(\"builder\",\"/bin/sh\"),(\"hello\",$(str "$hello_out")),(\"name\",\"greeting-1.0\"),(\"out\",$(str "$greeting_out")),(\"system\",$(str "$system"))])")

echo "$hello_drv"
echo "$greeting_drv"
