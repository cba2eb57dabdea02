#!/bin/sh
# The plain chroot tier: the same root layout as the full tier made without
# a mount, the build user, no capability, no_new_privs, outputs moved into
# place and nothing left behind.  It runs in every configuration, the
# --disable-namespaces one included, where it is the only sandbox.
. "${top_srcdir:-.}/tests/tap.sh"

case $("$NSBUILD" --version | tail -n 1) in
*-CHROOT*) skip_all "the chroot tier is not compiled into this build" ;;
esac
[ "$(id -u)" -eq 0 ] || skip_all "chroot needs root here"
[ -x "$STATIC_HELPER" ] || skip_all "no statically linked helper (static linking is not available)"

export TMPDIR="$tap_tmp/tmp"
mkdir -p "$TMPDIR"
store="$tap_tmp/store"
mkdir -p "$store/aaa-input/sub"
echo data >"$store/aaa-input/sub/file"
ln -s aaa-input "$store/bbb-link"
mountinfo_before=$(cat /proc/self/mountinfo)

crun() { "$NSBUILD" run --sandbox=chroot --ro-bind "$STATIC_HELPER:/t/helper" "$@"; }

out=$(crun -- /t/helper creds); st=$?
is_build_uid "$(creds_uid "$out")"; ok $? "the builder runs as a build user of the pool 30001-30032"
like "$out" "gid 30000 30000" "and its group"
like "$out" "groups
" "with no supplementary group"
out=$(crun -- /t/helper try-write /build/x)
is "$out" "ok" "/build is writable"
out=$(crun -- /t/helper try-write /tmp/x)
is "$out" "ok" "/tmp is writable"
out=$(crun -- /t/helper try-write /etc/passwd)
is "$out" "EACCES" "/etc/passwd is not writable"
out=$(crun -- /t/helper try-write /x)
is "$out" "EACCES" "the root is not writable"
out=$(crun -- /t/helper try-write /dev/null)
is "$out" "ok" "/dev/null is a working device node"
out=$(crun -- /t/helper try-write /proc/x)
is "$out" "ENOENT" "there is no /proc (this tier claims none)"

out=$(crun --input "$store/aaa-input" -- /t/helper try-write "$store/aaa-input/sub/new")
is "$out" "EACCES" "an input directory is not writable by the build user"
out=$(crun --input "$store/aaa-input" -- /t/helper try-write "$store/aaa-input/sub/file")
is "$out" "EACCES" "nor are its files"
out=$(crun --input "$store/aaa-input" --input "$store/bbb-link" -- /t/helper try-write "$store/bbb-link/sub/file")
is "$out" "EACCES" "a symlink input is recreated and resolves inside the root"
is "$(cat "$store/aaa-input/sub/file")" "data" "the input on the host is untouched"

err=$("$NSBUILD" run --sandbox=chroot --bind "$tap_tmp:/rw" -- /t/helper exit 0 2>&1); st=$?
is "$st" 125 "a read-write bind is refused in the chroot tier"
like "$err" "cannot bind $tap_tmp read-write in the chroot sandbox" "with the reason"

out=$(crun --output "$store/ccc-out" -- /t/helper try-write "$store/ccc-out"); st=$?
ok $st "a build creates its output"
[ -f "$store/ccc-out" ]; ok $? "the output is moved into place"
err=$(crun --output "$store/ddd-missing" -- /t/helper exit 0 2>&1); st=$?
is "$st" 125 "a missing output fails the build"
like "$err" "builder failed to produce output $store/ddd-missing" "naming it"
err=$(crun --output "$store/eee-failed" -- /t/helper exit 3 2>&1); st=$?
is "$st" 3 "the builder's status is passed through"
[ -e "$store/eee-failed" ]; is $? 1 "a failed build leaves no output"

err=$(crun --timeout 1 -- /t/helper sleep 30 2>&1); st=$?
is "$st" 124 "--timeout works in the chroot tier"
err=$(crun -- /t/helper crash 2>&1); st=$?
is "$st" 139 "a crash gives 128+11"
err=$("$NSBUILD" run --sandbox=chroot -- /no/such/builder 2>&1); st=$?
is "$st" 127 "a missing builder gives 127"

# Credentials, seen from the host (the chroot has no /proc).
marker="nsb-chroot-$$"
# pid_of ARGS: the pid of the process whose command line is ARGS.
pid_of() {
	for f in /proc/[0-9]*/cmdline; do
		case $(tr '\0' ' ' 2>/dev/null <"$f") in "$1 ") p=${f#/proc/}; echo "${p%/cmdline}" ;; esac
	done
}
found() { pid=$(pid_of "$1"); [ -n "$pid" ]; }
crun -- /t/helper sleep 300 "$marker" &
b=$!
pid=
wait_for 30 found "/t/helper sleep 300 $marker"
status=$(cat "/proc/$pid/status" 2>/dev/null)
for c in CapInh CapPrm CapEff CapBnd CapAmb; do
	like "$status" "$c:	0000000000000000" "$c of the chroot builder is empty"
done
like "$status" "NoNewPrivs:	1" "no_new_privs is set"
is "$(ls "/proc/$pid/fd" 2>/dev/null | sort -n | tr '\n' ' ')" "0 1 2 " "it has only fds 0, 1 and 2"
is "$(readlink "/proc/$pid/root")" "$(ls -d "$TMPDIR"/nsbuild-*/root 2>/dev/null)" "its root is the chroot"
kill -TERM "$pid"; wait $b

# Concurrent chroot builds never share a uid: two builds overlapping in
# time, their uids read from the host.
uid_of() {
	p=$(pid_of "/t/helper sleep 300 $1")
	[ -z "$p" ] || sed -n 's/^Uid:\t\([0-9]*\).*/\1/p' "/proc/$p/status"
}
both_uids() { ua=$(uid_of "$marker-a"); ub=$(uid_of "$marker-b"); [ -n "$ua" ] && [ -n "$ub" ]; }
crun -- /t/helper sleep 300 "$marker-a" >/dev/null &
a=$!
crun -- /t/helper sleep 300 "$marker-b" >/dev/null &
b=$!
ua= ub=
wait_for 30 both_uids
kill -TERM $(pid_of "/t/helper sleep 300 $marker-a") $(pid_of "/t/helper sleep 300 $marker-b"); wait $a $b
[ -n "$ua" ] && [ -n "$ub" ] && [ "$ua" != "$ub" ]; ok $? "two chroot builds running at once have different uids ($ua, $ub)"

crun --user-pool 40001:1 -- /t/helper sleep 1 >/dev/null &
b=$!
"$HELPER" sleep 0.3
err=$(crun --user-pool 40001:1 -- /t/helper exit 0 2>&1); st=$?
is "$st" 125 "with the pool exhausted a build fails with 125"
like "$err" "build user 40001 is busy with another build" "saying so"
wait $b

# A daemon left behind dies with the build: every process of its uid is
# killed.
# survivors MARKER: the processes whose command line holds MARKER, once
# the SIGKILLs sent have had time to take effect (a deadline: a slow
# machine only takes longer).
listed() {
	left=
	for f in /proc/[0-9]*/cmdline; do
		case $(tr '\0' ' ' 2>/dev/null <"$f") in *"$1"*) left="$left $f" ;; esac
	done
}
none_listed() { listed "$1"; [ -z "$left" ]; }
survivors() {
	wait_for 30 none_listed "$1"
	echo "$left"
}
marker="nsb-chroot-daemon-$$"
crun -- /t/helper daemon "$marker" >/dev/null
is "$(survivors "$marker")" "" "no process of a chroot build survives it"

# Nor one that forks and exits in a loop, never the same pid for long: the
# kernel's kill(-1) reaches every process of the uid in one walk that a
# fork cannot slip past.  The off tier ends its builds the same way.
crun -- /t/helper hopper "$marker-hop" >/dev/null
is "$(survivors "$marker-hop")" "" "no forking process of a chroot build survives it"
"$NSBUILD" run --sandbox=off -- "$STATIC_HELPER" hopper "$marker-hop-off" >/dev/null
is "$(survivors "$marker-hop-off")" "" "nor of an off-tier build"

# ... and never a process of another build: each build, of any tier, holds
# its own uid, so the kill at the end of a chroot build cannot reach a
# full-tier build running beside it.
case $("$NSBUILD" --version | tail -n 1) in
*+MOUNT_NS*)
	"$NSBUILD" run --sandbox=full --ro-bind "$STATIC_HELPER:/t/helper" -- /t/helper sleep 300 "$marker-full" &
	b=$!
	wait_for 30 found "/t/helper sleep 300 $marker-full"
	for i in 1 2 3; do crun -- /t/helper daemon "$marker-$i" >/dev/null; done
	found "/t/helper sleep 300 $marker-full"
	ok $? "a full-tier build survives chroot builds that kill every process of their uid"
	kill -KILL "$pid"; wait $b
	;;
*) skip "no full tier in this build to run beside" ;;
esac

is "$(ls -A "$TMPDIR")" "" "every chroot root is removed"
is "$(ls -A "$store" | grep -c '^\.nsbuild')" "0" "no scratch directory is left in the store"
is "$(cat /proc/self/mountinfo)" "$mountinfo_before" "the host's mount table is untouched"
done_testing
