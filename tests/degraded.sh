#!/bin/sh
# Kernels and containers that lack what the full tier needs, simulated on
# this real kernel: a seccomp filter that fails CLONE_NEWNET with EINVAL (a
# kernel without network namespaces), one that fails CLONE_NEWPID and
# CLONE_NEWNET (a kernel without either), one that fails every namespace
# flag with EPERM (a locked-down container), a child user namespace whose
# user.max_net_namespaces is 0 (ENOSPC), and one without seccomp.  For
# each: features says what and why and what auto uses; auto degrades per
# namespace, not per tier (it keeps every namespace that works), with one
# warning naming every missing piece, and the build still succeeds with
# exactly the isolation that is left; --sandbox=full refuses with 125
# naming the capability.
. "${top_srcdir:-.}/tests/tap.sh"

case $("$NSBUILD" --version | tail -n 1) in
*-MOUNT_NS*|*-CHROOT*) skip_all "needs both the full and the chroot tier compiled in" ;;
esac
is_root || skip_all "the fallback to the chroot tier needs root"
[ -x "$STATIC_HELPER" ] || skip_all "no statically linked helper (static linking is not available)"
out=$("$NOKERNEL" no-netns -- /bin/true 2>&1); st=$?
[ $st -ne 77 ] || skip_all "cannot install a seccomp filter here: $out"
export TMPDIR="$tap_tmp/tmp"
mkdir -p "$TMPDIR"
# The off tier's build user reaches its build directory by the host's path.
chmod 0755 "$tap_tmp"

# scenario MODE CAPABILITY ERRNO REASON ADVICE AUTO-TIER LACKS PID1
# AUTO-TIER is what auto uses, LACKS what it lacks of the full tier (as
# features lists them), PID1 whether the builder is PID 1 there.
scenario() {
	mode=$1 cap=$2 errno=$3 reason=$4 advice=$5 tier=$6 lacks=$7 pid1=$8
	out=$("$NOKERNEL" "$mode" -- "$NSBUILD" features)
	line=$(printf '%s\n' "$out" | grep "^$cap ")
	like "$line" "no     $errno: $reason" "$mode: features says $cap does not work: $errno, $reason"
	like "$out" "to enable: $advice" "$mode: and how to enable it"
	like "$out" "--sandbox=auto uses: $tier, without (see above): $lacks" "$mode: auto would use the $tier tier without $lacks"
	json=$("$NOKERNEL" "$mode" -- "$NSBUILD" features --json | tr -d '\n')
	like "$json" "{ \"name\": \"$cap\", \"compiled\": true, \"works\": false, \"errno\": \"$errno\"" \
		"$mode: features --json says the same"
	jlacks=$(printf '"%s", ' $(printf '%s' "$lacks" | tr ',' ' '))
	like "$json" "\"auto\": \"$tier\", \"auto_lacks\": [ ${jlacks%, } ]" "$mode: --json names the auto tier and what it lacks"

	out=$("$NOKERNEL" "$mode" -- "$NSBUILD" run --ro-bind "$STATIC_HELPER:/t/helper" -- /t/helper creds 2>"$tap_tmp/err"); st=$?
	ok $st "$mode: auto still builds"
	like "$out" "gid 30000 30000" "$mode: as the build user"
	warnings=$(grep -c "warning: using the $tier sandbox without " "$tap_tmp/err")
	is "$warnings" "1" "$mode: with one warning that the sandbox lacks something"
	for piece in $(printf '%s' "$lacks" | tr ',' ' '); do
		like "$(cat "$tap_tmp/err")" "$piece" "$mode: naming $piece as missing"
	done
	like "$(cat "$tap_tmp/err")" "[$errno: $reason" "$mode: and why"
	like "$(cat "$tap_tmp/err")" "; to enable: $advice" "$mode: and how to enable it"
	out=$("$NOKERNEL" "$mode" -- "$NSBUILD" run --ro-bind "$STATIC_HELPER:/t/helper" -- /t/helper pid 2>/dev/null)
	if [ "$pid1" = yes ]; then is "$out" 1 "$mode: the builder is PID 1 of a namespace of its own"; else
		[ "$out" != 1 ]; ok $? "$mode: the builder is not PID 1 (no PID namespace)"; fi

	err=$("$NOKERNEL" "$mode" -- "$NSBUILD" run --sandbox=full --ro-bind "$STATIC_HELPER:/t/helper" -- /t/helper creds 2>&1); st=$?
	is "$st" 125 "$mode: --sandbox=full refuses with 125"
	like "$err" "[$cap: $errno:" "$mode: naming the capability and why"
}

scenario no-netns net_ns EINVAL "not supported by this kernel" "use a kernel built with CONFIG_NET_NS=y" full net_ns yes
scenario no-pid-netns net_ns EINVAL "not supported by this kernel" "use a kernel built with CONFIG_NET_NS=y" full "net_ns, pid_ns" no
scenario locked-down mount_ns EPERM "refused although nsbuild holds CAP_SYS_ADMIN: nsbuild runs under " "allow it in that policy" chroot "mount_ns, net_ns, ipc_ns, uts_ns, pid_ns" no
scenario netns-limit net_ns ENOSPC "namespace limit reached (user.max_net_namespaces = 0)" "sysctl -w user.max_net_namespaces=10000" full net_ns yes

# Without a PID namespace the builder is not PID 1, and what it leaves
# behind dies all the same (its supervisor).
mark="nsb-degraded-$$"
"$NOKERNEL" no-pid-netns -- "$NSBUILD" run --ro-bind "$STATIC_HELPER:/t/helper" -- /t/helper daemon "$mark" >/dev/null 2>&1
gone() { ! grep -qs "$mark" /proc/[0-9]*/cmdline; }
wait_for 30 gone; ok $? "no PID namespace: a daemon the builder leaves dies with the build"
out=$("$NOKERNEL" no-pid-netns -- "$NSBUILD" run --ro-bind "$STATIC_HELPER:/t/helper" -- /t/helper try-write /proc/x 2>/dev/null)
is "$out" "ENOENT" "no PID namespace: no /proc, which would show the host's processes"
out=$("$NOKERNEL" no-pid-netns -- "$NSBUILD" run --ro-bind "$STATIC_HELPER:/t/helper" -- /t/helper hostname 2>/dev/null)
is "$out" "localhost (none)" "no PID namespace: the other namespaces stay (a host name of its own)"

# A kernel without seccomp, simulated by refusing seccomp(2) and
# prctl(PR_SET_SECCOMP) with EINVAL: features says the full tier cannot
# start, auto builds in it without the filter and says so, --sandbox=full
# refuses naming the filter, the chroot and off tiers run without it.
if "$NSBUILD" --version | grep -q -- '+SECCOMP'; then
	out=$("$NOKERNEL" no-seccomp -- "$NSBUILD" features)
	like "$out" "seccomp                yes       no     EINVAL:" "no seccomp: features says the filter does not work"
	like "$out" "full                   yes       no" "no seccomp: and that the full tier (which includes it) cannot start"
	like "$out" "--sandbox=auto uses: full, without (see above): seccomp" "no seccomp: auto uses the full tier without it"
	like "$("$NOKERNEL" no-seccomp -- "$NSBUILD" features --json | tr -d '\n')" '"auto": "full", "auto_lacks": [ "seccomp" ]' \
		"no seccomp: --json says what auto lacks"
	out=$("$NOKERNEL" no-seccomp -- "$NSBUILD" run --ro-bind "$STATIC_HELPER:/t/helper" -- /t/helper pid 2>"$tap_tmp/err"); st=$?
	is "$st:$out" "0:1" "no seccomp: auto builds in the full tier (the builder is PID 1)"
	is "$(grep -c 'warning: no system-call filter' "$tap_tmp/err")" 1 "no seccomp: with one warning"
	like "$(cat "$tap_tmp/err")" "[seccomp: EINVAL:" "no seccomp: naming the capability"
	err=$("$NOKERNEL" no-seccomp -- "$NSBUILD" run --sandbox=full --ro-bind "$STATIC_HELPER:/t/helper" -- /t/helper exit 0 2>&1); st=$?
	is "$st" 125 "no seccomp: --sandbox=full refuses with 125"
	like "$err" "cannot install the system-call filter: Invalid argument [seccomp: EINVAL:" "no seccomp: naming the filter"
	for t in chroot off; do
		# The off tier binds nothing: its builder is the host's path.
		if [ $t = off ]; then h=$STATIC_HELPER; else h=/t/helper; fi
		err=$("$NOKERNEL" no-seccomp -- "$NSBUILD" run --sandbox=$t --ro-bind "$STATIC_HELPER:/t/helper" -- "$h" exit 0 2>&1); st=$?
		like "$st $err" "0 nsbuild: warning: no system-call filter:" "no seccomp: --sandbox=$t runs without it, saying so"
	done
else
	skip "built without the system-call filter"
fi

# In the user namespace of the last scenario mknod is not permitted: the
# chroot tier says which device nodes are missing.
err=$("$NOKERNEL" netns-limit -- "$NSBUILD" run --sandbox=chroot --ro-bind "$STATIC_HELPER:/t/helper" -- /t/helper exit 0 2>&1)
like "$err" "cannot create device nodes /dev/full, /dev/null" "the chroot tier lists the device nodes it could not make"

# A kernel before the new mount API (Linux 5.2): the full tier binds with
# mount(MS_BIND) and remounts, and the root comes out the same.
mkdir -p "$tap_tmp/input/dir"
echo data >"$tap_tmp/input/dir/file"
# Writable by anyone: only the read-only mount keeps the builder out.
chmod 777 "$tap_tmp/input" "$tap_tmp/input/dir"; chmod 666 "$tap_tmp/input/dir/file"
out=$("$NOKERNEL" old-mount-api -- "$NSBUILD" run --sandbox=full --ro-bind "$STATIC_HELPER:/t/helper" \
	--ro-bind "$tap_tmp/input:/input" -- /t/helper try-write /build/f 2>&1); st=$?
is "$st:$out" "0:ok" "old mount API: a full-tier build runs and /build is writable"
for p in /tmp/f /dev/shm/f; do
	out=$("$NOKERNEL" old-mount-api -- "$NSBUILD" run --sandbox=full --ro-bind "$STATIC_HELPER:/t/helper" -- /t/helper try-write $p 2>&1)
	is "$out" "ok" "old mount API: $p is writable"
done
for p in /input/dir/file /input/new /t/new /etc/new /new; do
	out=$("$NOKERNEL" old-mount-api -- "$NSBUILD" run --sandbox=full --ro-bind "$STATIC_HELPER:/t/helper" \
		--ro-bind "$tap_tmp/input:/input" -- /t/helper try-write $p 2>/dev/null)
	is "$out" "EROFS" "old mount API: $p is read-only"
done
is "$(cat "$tap_tmp/input/dir/file")" "data" "old mount API: the input is unchanged"

# A filesystem mounted below a read-only input: the new API makes it
# read-only with the rest (AT_RECURSIVE); the old API's remount could not
# reach it, so there it is left out of the bind rather than left writable.
mkdir -p "$tap_tmp/input/sub"
if mount -t tmpfs -o mode=0777 nsb-test "$tap_tmp/input/sub"; then
	echo sub >"$tap_tmp/input/sub/file"; chmod 666 "$tap_tmp/input/sub/file"
	sub() { "$NSBUILD" run --sandbox=full --ro-bind "$STATIC_HELPER:/t/helper" --ro-bind "$tap_tmp/input:/input" \
		-- /t/helper "$@" 2>/dev/null; }
	is "$(sub try-write /input/sub/file)" "EROFS" "new mount API: a submount of a read-only input is read-only"
	is "$(sub try-write /input/sub/new)" "EROFS" "new mount API: nothing can be made in it"
	is "$("$NOKERNEL" old-mount-api -- "$NSBUILD" run --sandbox=full --ro-bind "$STATIC_HELPER:/t/helper" \
		--ro-bind "$tap_tmp/input:/input" -- /t/helper try-write /input/sub/file 2>/dev/null)" "EROFS" \
		"old mount API: a submount of a read-only input is never writable"
	is "$("$NOKERNEL" old-mount-api -- "$NSBUILD" run --sandbox=full --ro-bind "$STATIC_HELPER:/t/helper" \
		--ro-bind "$tap_tmp/input:/input" -- /t/helper try-write /input/sub/new 2>/dev/null)" "EROFS" \
		"old mount API: nothing can be made there"
	is "$(cat "$tap_tmp/input/sub/file")" "sub" "the submount's file is unchanged"
	umount "$tap_tmp/input/sub"
else
	for i in 1 2 3 4 5; do skip "cannot mount a tmpfs below the input here"; done
fi

# A container's limit on user namespaces, reached from a namespace nested
# in it: the limit to raise is the container's, never this one's (which
# reads large, and which lowering would make worse).
if command -v unshare >/dev/null && unshare -Ur true 2>/dev/null && unshare --help 2>&1 | grep -q -- --map-user; then
	out=$(unshare -Ur sh -c 'echo 1 >/proc/sys/user/max_user_namespaces &&
		exec unshare -U --map-user=1000 --map-group=1000 "$0" features' "$NSBUILD" 2>&1)
	like "$out" "not this user namespace's own" "nested user namespace, ENOSPC: the enclosing namespace's limit is named"
	unlike "$out" "sysctl -w user.max_user_namespaces=10000" "nested user namespace, ENOSPC: no advice to set this namespace's limit"
else
	skip "no unshare(1) with --map-user, or no user namespaces here"
	skip "no unshare(1) with --map-user, or no user namespaces here"
fi

is "$(ls -A "$TMPDIR")" "" "no build directory is left by any of them"
done_testing
