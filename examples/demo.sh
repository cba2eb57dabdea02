#!/bin/sh
# The README's demo: make a small store (examples/store), realise its two
# derivations with `nsbuild build` (a C hello program compiled in the
# sandbox by the host's compiler, and a second derivation that depends on
# it), then run what landed in the store.
# Usage: examples/demo.sh [PATH-TO-NSBUILD]; DEMO_OUT says where the store
# goes (default: the current directory).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
nsbuild=${1:-nsbuild}
out_dir=${DEMO_OUT:-$(pwd)}
store="$(cd "$out_dir" && pwd)/demo-store"

# A fresh store each time: outputs are read-only once built.
if [ -e "$store" ]; then
	chmod -R u+w "$store"
	rm -rf "$store"
fi
drvs=$("$here/store/make-store.sh" "$store")
hello_drv=$(echo "$drvs" | sed -n 1p)
greeting_drv=$(echo "$drvs" | sed -n 2p)

echo "demo: nsbuild build --store $store --host-tools $hello_drv"
hello=$("$nsbuild" build --store "$store" --host-tools "$hello_drv")
echo "demo: nsbuild build --store $store --host-tools $greeting_drv"
greeting=$("$nsbuild" build --store "$store" --host-tools "$greeting_drv")

echo "demo: the outputs landed at"
echo "  $hello"
echo "  $greeting"
ls -l "$hello/bin/hello" "$greeting/bin/greet" "$greeting/share/greeting"
echo "demo: running $greeting/bin/greet:"
"$greeting/bin/greet"
