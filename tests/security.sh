#!/bin/sh
# Regression tests for the security bugs the sandboxes nsbuild is measured
# against shipped (see REFERENCE.md), each as an attack a builder makes.
. "${top_srcdir:-.}/tests/tap.sh"
require_full
export TMPDIR="$tap_tmp/tmp"
mkdir -p "$TMPDIR"
victim="$tap_tmp/victim"
mkdir -p "$victim/dir"
echo precious >"$victim/file"
echo precious >"$victim/dir/file"
chmod 0644 "$victim/file"

run() { "$NSBUILD" run --sandbox=full --host-tools --setenv PATH=/usr/bin:/bin "$@"; }

# CVE-2025-46415, CVE-2025-52993, Guix --keep-failed: cleanup or chown
# followed a symlink the builder planted.  Plant symlinks to host paths
# everywhere nsbuild cleans up, fail, and check the host is untouched.
store="$tap_tmp/store"
mkdir -p "$store"
run --output "$store/out" -- /bin/sh -c "
	ln -s $victim /build/link-to-victim
	ln -s $victim/file /build/file-link
	mkdir -p /build/deep/er && ln -s $victim/dir /build/deep/er/link
	mkdir $store/out && ln -s $victim $store/out/link && ln -s $victim/file $store/out/flink
	ln -s $victim $store/stray-link
	exit 1" 2>/dev/null
is "$(cat "$victim/file") $(cat "$victim/dir/file")" "precious precious" "planted symlinks are not followed when the build is cleaned up"
is "$(stat -c %u "$victim/file")" "$(id -u)" "nor is anything chowned through them"
is "$(ls -A "$TMPDIR")" "" "and the build directory is gone"
[ -e "$store/out" ] || [ -L "$store/out" ]; is $? 1 "the failed output is gone"

# The same after success: the output keeps its symlinks as symlinks.
run --output "$store/out2" -- /bin/sh -c "mkdir $store/out2 && ln -s $victim/file $store/out2/flink && ln -s $victim /build/x"
[ -L "$store/out2/flink" ]; ok $? "a symlink in an output stays a symlink"
is "$(cat "$victim/file")" "precious" "and nothing was written through it"

# CVE-2025-52992: a failed build's directory with its permissions removed.
run -- /bin/sh -c 'mkdir -p /build/a/b/c && touch /build/a/b/c/f && chmod 000 /build/a/b /build/a && chmod 0 /build/a/b/c/f 2>/dev/null; exit 1' 2>/dev/null
is "$(ls -A "$TMPDIR")" "" "a build directory whose permissions the builder removed is still removed"

# CVE-2024-38531: the builder makes its build directory world-accessible;
# it must still be out of other users' reach on the host.
run --ro-bind "$HELPER:/t/helper" -- /bin/sh -c "chmod 0777 /build; touch /build/made-open; exec /t/helper sleep 300 nsb-open-$$" &
b=$!
made_open() { [ -e "$(ls -d "$TMPDIR"/nsbuild-* 2>/dev/null | head -n 1)/build/made-open" ]; }
wait_for 30 made_open
top=$(ls -d "$TMPDIR"/nsbuild-* 2>/dev/null | head -n 1)
is "$(stat -c '%a' "$top/build" 2>/dev/null)" "777" "the builder made its build directory 0777"
is "$(stat -c '%a %U' "$top" 2>/dev/null)" "700 $(id -un)" "but it sits inside a directory only its owner can enter"
kill_cmdline KILL "/t/helper sleep 300 nsb-open-$$"; wait $b

# CVE-2026-39860: a temporary path inside the root followed through a
# planted symlink.  The builder plants symlinks at the names nsbuild's own
# scratch directories use; nothing outside changes.
run --output "$store/out3" -- /bin/sh -c "
	for n in .nsbuild-a .nsbuild-XXXXXX s build root; do ln -s $victim $store/\$n 2>/dev/null; ln -s $victim /build/\$n 2>/dev/null; done
	echo ok > $store/out3" >/dev/null 2>&1
is "$(cat "$store/out3" 2>/dev/null)" "ok" "a build that planted symlinks at nsbuild's scratch names still succeeds"
is "$(ls -A "$victim" | tr '\n' ' ')" "dir file " "and nothing appeared in or vanished from the target"

# CVE-2024-27297: an fd passed out over an abstract unix socket.  Covered
# by sandbox-ipc.sh (the builder cannot reach the host's abstract
# sockets); here the reverse: nothing outside can reach the builder's.
name="nsb-sec-$$"
"$NSBUILD" run --sandbox=full --host-tools --ro-bind "$HELPER:/t/helper" -- /t/helper abstract-listen "$name" 2 >"$tap_tmp/abs" 2>&1 &
b=$!
wait_for 30 file_has "$tap_tmp/abs" listening
out=$("$HELPER" abstract-connect "$name")
is "$out" "ECONNREFUSED" "the host cannot reach a builder's abstract socket"
wait $b
done_testing
