#!/bin/sh
# Build examples/hello in the sandbox with the host's compiler and run the
# result.  Usage: examples/demo.sh [PATH-TO-NSBUILD]  (run as root)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
nsbuild=${1:-nsbuild}
out_dir=${DEMO_OUT:-$(pwd)}
out="$out_dir/hello-result"
rm -f "$out"
"$nsbuild" run --host-tools \
	--ro-bind "$here/hello:/src" \
	--output "$out" \
	--setenv PATH=/usr/bin:/bin \
	--setenv src=/src \
	--setenv out="$out" \
	-- /bin/sh /src/builder.sh
echo "demo: the output landed at $out; running it:"
"$out"
