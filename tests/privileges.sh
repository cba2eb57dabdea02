#!/bin/sh
# Root with partial privileges, as containers make it: nsbuild reasons
# from its capability sets, not from its uid; says which capability is
# missing and where it was lost; and builds with the strongest isolation
# what it holds allows.  The sets are those of real container runtimes,
# made on the host with setpriv(1) (their seccomp profiles and the runtimes
# themselves: tests/containers.sh).
. "${top_srcdir:-.}/tests/tap.sh"

is_root || skip_all "needs root (to drop root's capabilities)"
command -v setpriv >/dev/null 2>&1 || skip_all "setpriv (util-linux) is not installed"
setpriv --bounding-set -sys_admin -- true 2>/dev/null || skip_all "setpriv cannot change the bounding set here"
[ -x "${STATIC_HELPER:-}" ] || skip_all "no statically linked helper (static linking is not available; a sanitizer's build)"

export TMPDIR="$tap_tmp/tmp"
mkdir -p "$TMPDIR"
chmod 0755 "$tap_tmp"

# as CAPS -- COMMAND: COMMAND as root whose bounding set (and so, at exec,
# permitted and effective sets) is CAPS ("-sys_admin", "-all,+kill").
as() { caps=$1; shift 2; setpriv --bounding-set "$caps" -- "$@"; }
features_line() { as "$1" -- "$NSBUILD" features | grep -E "^$2 "; }
# The capability sets of a builder (its /proc/self/status).
builder_caps() { printf '%s\n' "$1" | sed -n 's/^CapEff:[[:space:]]*//p'; }
# What nsbuild must say of a capability dropped here: whether PID 1 has it
# decides who dropped it (CAP: its number).
lost_where() {
	bnd=$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/1/status 2>/dev/null)
	if [ -n "$bnd" ] && [ $(( (0x$bnd >> $1) & 1 )) = 1 ]; then
		echo "not in the bounding set, which PID 1's has: whatever started nsbuild dropped it"
	else
		echo "not in the bounding set, nor in PID 1's"
	fi
}
namespaces=no
"$NSBUILD" --version | grep -q -- '+USER_NS' && namespaces=yes
have_full=no
"$NSBUILD" features | grep -qE '^full +yes +yes$' && have_full=yes

# 1. Root without CAP_SYS_ADMIN (Docker's default set lacks it, and so do
#    most containers).
drop=-sys_admin
out=$(features_line $drop CAP_SYS_ADMIN; as $drop -- "$NSBUILD" features | grep -A1 '^CAP_SYS_ADMIN')
like "$out" "CAP_SYS_ADMIN          no " "without CAP_SYS_ADMIN: features says it is not held"
like "$out" "missing: $(lost_where 21)" \
	"and where it was lost (not by PID 1: by what started nsbuild)"
if has_feature JSON; then
	json=$(as $drop -- "$NSBUILD" features --json)
	like "$json" '{ "name": "CAP_SYS_ADMIN", "held": false, "gives": "namespaces and mounts without a user namespace' \
		"--json: the same"
else
	skip "--json: built without json-c"
fi
# The namespaces are made in a user namespace, whose uid 1000 nsbuild maps
# to a build user (never to its own uid, the host's uid 0, which keeps
# what the kernel grants uid 0 itself: a builder could write the kernel's
# sysctls through a /proc of its own).
if [ $have_full = yes ]; then
	like "$(as $drop -- "$NSBUILD" features)" '--sandbox=auto uses: full' "without CAP_SYS_ADMIN: auto is the full tier (through a user namespace)"
	out=$(as $drop -- "$NSBUILD" run --ro-bind "$STATIC_HELPER:/t/helper" -- /t/helper creds 2>&1)
	is "$?" 0 "without CAP_SYS_ADMIN: an auto build succeeds"
	like "$out" "uid 1000 1000" "the builder is uid 1000 of its user namespace"
	is "$(builder_caps "$out")" 0000000000000000 "holding no capability"
	if has_feature JSON; then
		as $drop -- "$NSBUILD" run --ro-bind "$STATIC_HELPER:/t/helper" --json-status-fd 3 -- /t/helper sleep 3 \
			3>"$tap_tmp/sysadmin.json" >/dev/null 2>&1 &
		bpid=$!
		wait_for 20 file_has "$tap_tmp/sysadmin.json" child-pid
		cpid=$(sed -n 's/.*"child-pid": \([0-9]*\).*/\1/p' "$tap_tmp/sysadmin.json")
		outside=$(sed -n 's/^Uid:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$cpid/status" 2>/dev/null)
		wait $bpid
		is_build_uid "$outside"; ok $? "which is a build user outside ($outside), not root"
	else
		skip "the builder's pid comes from --json-status-fd: built without json-c"
	fi
	out=$(as $drop -- "$NSBUILD" run --ro-bind "$STATIC_HELPER:/t/helper" -- /t/helper try-write /proc/sys/kernel/printk_ratelimit 2>/dev/null)
	is "$out" "EACCES" "it cannot open a kernel sysctl for writing through its own /proc"
else
	for i in 1 2 3 4 5 6; do skip "the full tier does not work here"; done
fi

# Root without CAP_SYS_CHROOT: no chroot tier, and features says where
# the capability was lost.
out=$(features_line -sys_chroot chroot)
like "$out" "EPERM: nsbuild runs as root without CAP_SYS_CHROOT ($(lost_where 18)" \
	"without CAP_SYS_CHROOT: features says why no chroot tier"
err=$(as -sys_chroot -- "$NSBUILD" run --sandbox=chroot -- /bin/true 2>&1)
is "$?" 125 "without CAP_SYS_CHROOT: --sandbox=chroot fails with 125"
like "$err" "without CAP_SYS_CHROOT" "naming the missing capability"

# 2. runc's default set: CAP_KILL, CAP_NET_BIND_SERVICE, CAP_AUDIT_WRITE.
#    Without CAP_SETFCAP, root cannot map its own uid into a user
#    namespace (Linux 5.12); without CAP_SETUID it has no build users;
#    without CAP_SYS_CHROOT no chroot.  What is left: the off tier, as
#    itself, with the filter.
runc=-all,+kill,+net_bind_service,+audit_write
if [ $namespaces = yes ]; then
	out=$(features_line $runc user_ns)
	like "$out" "no     not used: nsbuild runs as root without CAP_SYS_ADMIN" \
		"runc's default set: features says why no user namespace"
	out=$(features_line $runc mount_ns)
	like "$out" "needs a user namespace (nsbuild runs as root without CAP_SYS_ADMIN (not in the bounding set" \
		"and why the namespaces need a user namespace (CAP_SYS_ADMIN)"
else
	skip "no namespaces compiled in"; skip "no namespaces compiled in"
fi
out=$(features_line $runc chroot)
like "$out" "EPERM: nsbuild runs as root without CAP_SYS_CHROOT (not in the bounding set" "and why no chroot (CAP_SYS_CHROOT)"
unlike "$(as $runc -- "$NSBUILD" features)" "refused although running as root" "nothing blames root or a policy in general"
out=$(as $runc -- "$NSBUILD" run -- "$STATIC_HELPER" creds 2>"$tap_tmp/err")
is "$?" 0 "runc's default set: an auto build succeeds (the off tier)"
like "$out" "uid 0 0" "as root itself (no build users without CAP_SETUID)"
is "$(builder_caps "$out")" 0000000000000000 "holding no capability"
like "$out" "NoNewPrivs:	1" "and unable to gain any (no_new_privs)"
like "$(cat "$tap_tmp/err")" "warning: using the off sandbox" "and says it is the off tier"
if [ $namespaces = yes ]; then
	err=$(as $runc -- "$NSBUILD" run --sandbox=full -- /bin/true 2>&1)
	is "$?" 125 "runc's default set: --sandbox=full fails with 125"
	like "$err" "would be the host's uid 0" "saying why"
else
	skip "no namespaces compiled in"; skip "no namespaces compiled in"
fi
err=$(as $runc -- "$NSBUILD" run --sandbox=chroot -- /bin/true 2>&1)
is "$?" 125 "runc's default set: --sandbox=chroot fails with 125"
like "$err" "without CAP_SYS_CHROOT" "naming the missing capability"

like "$(cat "$tap_tmp/err")" "warning: the builder runs as root itself, uid 0 with no capability" \
	"and warns that the builder is root itself"

# 3. Docker's default set (no CAP_SYS_ADMIN; its seccomp profile, which
#    refuses user namespaces too, is tests/containers.sh's): build users
#    and chroot, and here a user namespace.
docker=-all,+chown,+dac_override,+fowner,+fsetid,+kill,+setgid,+setuid,+setpcap,+net_bind_service,+net_raw,+sys_chroot,+mknod,+audit_write,+setfcap
if [ $have_full = yes ]; then
	like "$(as $docker -- "$NSBUILD" features)" '--sandbox=auto uses: full' "Docker's default set: auto is the full tier (without Docker's filter)"
else
	skip "the full tier does not work here"
fi
out=$(as $docker -- "$NSBUILD" run --sandbox=chroot --ro-bind "$STATIC_HELPER:/t/helper" -- /t/helper creds 2>&1)
is "$?" 0 "Docker's default set: the chroot tier works"
uid=$(creds_uid "$out")
is_build_uid "$uid"; ok $? "as a build user ($uid)"

# 4. --cap-add: a capability the builder keeps inside its own user
#    namespace only.  As an ordinary user (nsbuild-test, as
#    tests/unprivileged.sh makes it) holding CAP_NET_RAW through a file
#    capability on a copy of the helper: outside, the copy pings through
#    a raw socket; as a builder it may not (no_new_privs: file capabilities
#    give nothing), unless --cap-add keeps CAP_NET_RAW, and then only in
#    its own network namespace (its loopback, nothing else).
user=nsbuild-test
if [ $namespaces = yes ] && [ $have_full = yes ] && command -v setcap >/dev/null 2>&1 && command -v runuser >/dev/null 2>&1 &&
	make_test_user "$user" &&
	runuser -u "$user" -- test -r "$NSBUILD"; then
	mkdir -p "$tap_tmp/caps" "$tap_tmp/utmp"
	cp "$STATIC_HELPER" "$tap_tmp/caps/raw"
	chmod 0755 "$tap_tmp/caps" "$tap_tmp/caps/raw"
	chown "$user" "$tap_tmp/utmp"
	setcap cap_net_raw+ep "$tap_tmp/caps/raw"
	asuser() { runuser -u "$user" -- env TMPDIR="$tap_tmp/utmp" "$@"; }
	out=$(asuser "$tap_tmp/caps/raw" raw-ping 2>&1)
	is "$out" "raw-ping ok" "an ordinary user with CAP_NET_RAW as a file capability pings through a raw socket outside"
	out=$(asuser "$NSBUILD" run --ro-bind "$tap_tmp/caps/raw:/t/raw" -- /t/raw raw-ping 2>/dev/null)
	is "$out" "raw-ping EPERM" "as a builder it may not (file capabilities give nothing under no_new_privs)"
	out=$(asuser "$NSBUILD" run --cap-add CAP_NET_RAW --ro-bind "$tap_tmp/caps/raw:/t/raw" -- /t/raw raw-ping 2>&1)
	is "$out" "raw-ping ok" "--cap-add CAP_NET_RAW: the builder pings its own loopback through a raw socket"
	out=$(asuser "$NSBUILD" run --cap-add cap_net_raw --ro-bind "$STATIC_HELPER:/t/h" -- /t/h ifaces 2>&1)
	is "$out" "lo up" "and sees no interface but its own loopback"
	out=$(asuser "$NSBUILD" run --cap-add CAP_NET_RAW --ro-bind "$STATIC_HELPER:/t/h" -- /t/h creds 2>&1)
	like "$out" "capget effective 0000000000002000" "it holds CAP_NET_RAW and nothing else"
	like "$out" "uid 1000 1000" "as uid 1000 of its user namespace"
else
	for i in 1 2 3 4 5 6; do skip "needs the full tier, setcap (libcap2-bin), runuser and the account $user"; done
fi
err=$("$NSBUILD" run --cap-add CAP_NET_RAW -- /bin/true 2>&1)
is "$?" 125 "--cap-add as root, whose namespaces have no user namespace: refused with 125"
like "$err" "cannot keep CAP_NET_RAW for the builder: it would hold it over the host" "and says why"
err=$("$NSBUILD" run --sandbox=off --cap-add CAP_NET_RAW -- /bin/true 2>&1)
is "$?" 125 "--cap-add in the off tier: refused with 125"
err=$("$NSBUILD" run --cap-add CAP_SYS_ADMIN -- /bin/true 2>&1)
is "$?" 125 "--cap-add CAP_SYS_ADMIN: refused with 125"
like "$err" "it would let the builder remount its read-only binds writable" "and says why"
err=$("$NSBUILD" run --cap-add 12 -- /bin/true 2>&1)
is "$?" 125 "--cap-add with a number: refused (names only)"
err=$("$NSBUILD" run --cap-add CAP_BOGUS -- /bin/true 2>&1)
is "$?" 125 "--cap-add with a name that is no capability: 125"
like "$err" "'CAP_BOGUS' is not a capability" "and says so"
err=$("$NSBUILD" build --cap-add CAP_NET_RAW "$tap_tmp/none.drv" 2>&1)
is "$?" 125 "nsbuild build --cap-add: refused with 125"
like "$err" "a derivation's builder gets no capability" "and says why"

done_testing
