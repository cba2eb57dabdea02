#!/bin/sh
# The README's demo: a small store whose two derivations `nsbuild build`
# realises (a C program compiled in the sandbox by the host's compiler, and
# a derivation depending on it); the first builder shows it has no network.
. "${top_srcdir:-.}/tests/tap.sh"
require_full
command -v cc >/dev/null || skip_all "no C compiler on this host for the demo to build with"

out=$(DEMO_OUT="$tap_tmp" "$top_srcdir/examples/demo.sh" "$NSBUILD" 2>&1); st=$?
ok $st "the demo builds both derivations and runs the result"
[ $st -eq 0 ] || diag "$out"
uid=$(printf '%s\n' "$out" | sed -n "s/^builder: running as nixbld (uid \([0-9]*\)) in \/build on host 'localhost'$/\1/p")
is_build_uid "$uid"; ok $? "the builder runs as the build user nixbld ($uid) in /build on host localhost"
like "$out" "builder: network interfaces: lo " "it sees only lo"
like "$out" "no route leaves this sandbox" "and no route"
like "$out" "hello-1.0/bin/hello said: Hello from a program built in the nsbuild sandbox." "the second derivation ran the first one's output"
greet=$(printf '%s\n' "$out" | tail -n 1)
is "$greet" "Hello from a program built in the nsbuild sandbox." "the result runs on the host"
n=$(find "$tap_tmp/demo-store" -maxdepth 1 -name '*-hello-1.0' -o -maxdepth 1 -name '*-greeting-1.0' | wc -l)
is "$n" 2 "both outputs landed in the demo store"
done_testing
