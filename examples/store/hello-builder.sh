#!/bin/sh
# Builder of hello-1.0.drv: runs in the sandbox with /usr (read-only, for
# the compiler), its two input sources, /build and its output $out.
set -eu
echo "builder: running as $(id -un) (uid $(id -u)) in $PWD on host '$(hostname)'"
echo "builder: network interfaces: $(sed -n 's/^ *\([^ :]*\):.*/\1/p' /proc/net/dev | tr '\n' ' ')"
if [ "$(sed 1d /proc/net/route | wc -l)" -eq 0 ]; then
	echo "builder: no route leaves this sandbox: the network is unreachable"
else
	echo "builder: WARNING: this sandbox has routes off loopback" >&2
fi
echo "builder: processes visible: $(ls -d /proc/[0-9]* | wc -l)"
echo "builder: the store holds: $(ls "$NIX_STORE" | tr '\n' ' ')"
echo "builder: compiling $src"
mkdir -p "$out/bin"
cc -O2 -Wall -x c -o "$out/bin/hello" "$src"
echo "builder: wrote $out/bin/hello"
