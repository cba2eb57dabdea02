#!/bin/sh
# The README's demo: a C program compiled inside the sandbox by the host's
# compiler, whose builder shows it has no network.
. "${top_srcdir:-.}/tests/tap.sh"
require_full
command -v gcc >/dev/null || skip_all "no gcc on this host for the demo to build with"

out=$(DEMO_OUT="$tap_tmp" "$top_srcdir/examples/demo.sh" "$NSBUILD" 2>&1); st=$?
ok $st "the demo builds and runs"
uid=$(printf '%s\n' "$out" | sed -n "s/^builder: running as nixbld (uid \([0-9]*\)) in \/build on host 'localhost'$/\1/p")
is_build_uid "$uid"; ok $? "the builder runs as the build user nixbld ($uid) in /build on host localhost"
like "$out" "builder: network interfaces: lo " "it sees only lo"
like "$out" "no route leaves this sandbox" "and no route"
like "$out" "Hello from a program built in the nsbuild sandbox." "the program it built runs on the host"
[ -x "$tap_tmp/hello-result" ]; ok $? "the output landed where the demo said"
done_testing
