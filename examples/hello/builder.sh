#!/bin/sh
# The demo's builder: runs inside the sandbox with only /usr (read-only),
# the source directory (read-only), /build and its output.
set -eu
echo "builder: running as $(id -un) (uid $(id -u)) in $PWD on host '$(hostname)'"
echo "builder: network interfaces: $(sed -n 's/^ *\([^ :]*\):.*/\1/p' /proc/net/dev | tr '\n' ' ')"
if [ "$(sed 1d /proc/net/route | wc -l)" -eq 0 ]; then
	echo "builder: no route leaves this sandbox: the network is unreachable"
else
	echo "builder: WARNING: this sandbox has routes off loopback" >&2
fi
echo "builder: processes visible: $(ls -d /proc/[0-9]* | wc -l)"
echo "builder: compiling $src/hello.c"
cc -O2 -Wall -o "$out" "$src/hello.c"
echo "builder: wrote $out"
