#!/bin/sh
# Landlock, in every tier, as root and (through unprivileged.sh) as an
# ordinary user: a builder cannot ptrace a process outside its build (a
# Landlock domain, Linux 5.19), nor signal one or connect to an abstract
# unix socket one made (its scopes, Linux 6.12), wherever the kernel can
# confine it; inside the build all of that still works; and nsbuild claims
# exactly that: `features` says what works against what the kernel itself
# answers, and why not.  Where nothing confines the builder (no Landlock
# here), the same tests show what it can reach, as the man page says.
. "${top_srcdir:-.}/tests/tap.sh"

landlock_expected
abi=$ll_abi domain=$ll_domain scope=$ll_scope unix=$ll_unix
if has_feature LANDLOCK || [ $domain = yes ]; then compiled=yes; else compiled=no; fi
diag "Landlock ABI of this kernel: $abi; nsbuild $("$NSBUILD" --version | tail -n 1 | tr ' ' '\n' | grep LANDLOCK)"

# ---- what features says, against what the kernel answered above -------
feats=$("$NSBUILD" features 2>&1)
line() { printf '%s\n' "$feats" | grep "^$1 "; }
like "$(line landlock)" "$(printf '%-22s %-9s %-6s' landlock $compiled $domain)" "features: landlock works: $domain (kernel: $abi)"
like "$(line landlock_scope)" "$(printf '%-22s %-9s %-6s' landlock_scope $compiled $scope)" "features: landlock_scope works: $scope"
like "$(line landlock_unix)" "$(printf '%-22s %-9s %-6s' landlock_unix $compiled $unix)" "features: landlock_unix works: $unix"
if [ $compiled = no ]; then
	like "$(line landlock)" "not compiled into this nsbuild" "which says it is not compiled in"
elif [ $domain = no ]; then
	case $abi in
	ENOSYS) like "$(line landlock)" "no Landlock" "which says the kernel has no Landlock" ;;
	EOPNOTSUPP) like "$(line landlock)" "not enabled" "which says Landlock is not enabled at boot" ;;
	*) like "$(line landlock)" "$abi" "which names the kernel's answer" ;;
	esac
elif [ $scope = no ]; then
	like "$(line landlock_scope)" "ABI $abi; confining signals and abstract unix sockets needs ABI 6 (Linux 6.12)" \
		"landlock_scope: the reason names this kernel's ABI and what is needed"
elif [ $unix = no ]; then
	like "$(line landlock_unix)" "ABI $abi; refusing unix sockets with a path made outside the build needs ABI 9 (Linux 7.1)" \
		"landlock_unix: the reason names this kernel's ABI and what is needed"
else
	ok 0 "every Landlock capability works here"
fi

# The tiers this user can run here.  The helper runs from the host's path
# in the off tier; the chroot tier binds the static one.
tiers=off
if is_root && has_feature CHROOT && [ -x "${STATIC_HELPER:-}" ] && is_static "$STATIC_HELPER"; then
	tiers="$tiers chroot"
fi
"$NSBUILD" run --sandbox=full -- /nonexistent 2>"$tap_tmp/full.err"
grep -q "cannot execute /nonexistent" "$tap_tmp/full.err" && tiers="$tiers full"
diag "tiers: $tiers"
# in_tier TIER [nsbuild options] -- HELPER-ARGS
in_tier() {
	_t=$1; shift
	_o=
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do _o="$_o $1"; shift; done
	shift
	case $_t in
	off) "$NSBUILD" run --sandbox=off $_o -- "$HELPER" "$@" ;;
	chroot) "$NSBUILD" run --sandbox=chroot --ro-bind "$STATIC_HELPER:/t/helper" $_o -- /t/helper "$@" ;;
	full) "$NSBUILD" run --sandbox=full --host-tools --ro-bind "$HELPER:/t/helper" $_o -- /t/helper "$@" ;;
	esac
}

# ---- abstract unix sockets made outside the build -----------------------
# The chroot and off tiers share the host's network namespace, so its
# abstract sockets (an X server's, a D-Bus daemon's, a colluding process's)
# are there to connect to, and a socket has no permissions to stop it.
# (The full tier's builder has a network namespace of its own; a
# fixed-output build's, which shares the host's, is tested in
# derivation.sh.)
name="nsb-landlock-$$"
# listen: a fresh listener on @$name (it takes one connection).
listen() {
	: >"$tap_tmp/abs" # the last one's "listening" must not count
	"$HELPER" abstract-listen "$name" 60 >"$tap_tmp/abs" 2>&1 &
	listener=$!
	wait_for 30 file_has "$tap_tmp/abs" listening
}
listen
out=$("$HELPER" abstract-connect "$name")
is "$out" connected "control: the host connects to @$name"
wait $listener
for t in off chroot; do
	case " $tiers " in *" $t "*) ;; *) skip "the $t tier does not run here"; continue ;; esac
	listen
	out=$(in_tier $t -- abstract-connect "$name" 2>/dev/null)
	if [ $scope = yes ]; then
		is "$out" EPERM "$t tier: the builder cannot connect to the host's abstract socket (Landlock scope)"
	else
		is "$out" connected "$t tier, no Landlock scope here: the builder reaches the host's abstract socket"
	fi
	kill $listener 2>/dev/null; wait $listener 2>/dev/null
done
# A socket with a path (a session bus's, an X server's, any daemon's of
# the caller's), where the builder is the caller's uid and sees the host's
# files (an ordinary user's off tier; other tiers' roots hold only what
# they are given, and root's builder is a build user with no daemons):
# refused from Landlock ABI 9 (Linux 7.1); before, its file's permissions
# decide.
name="$tap_tmp/path-sock"
chmod 0755 "$tap_tmp"
listen
chmod 0777 "$name"
out=$(in_tier off -- abstract-connect "$name" 2>/dev/null)
if [ $unix = yes ] && ! is_root; then
	is "$out" EACCES "off tier: the builder cannot connect to a socket with a path made outside (Landlock, ABI $abi)"
else
	is "$out" connected "off tier, $(is_root && echo "as root's build user" || echo "before Landlock ABI 9 ($abi)"): a world-writable socket with a path is reached"
fi
kill $listener 2>/dev/null; wait $listener 2>/dev/null
rm -f "$name"
# That domain handles a file access, which forbids mounting: an ordinary
# user's off-tier builder cannot nest a sandbox there (nsbuild(1)).
if [ $unix = yes ] && ! is_root && command -v unshare >/dev/null && unshare -rm true 2>/dev/null; then
	out=$("$NSBUILD" run --sandbox=off --setenv PATH=/usr/bin:/bin -- /bin/sh -c "unshare -rm sh -c 'mount -t tmpfs none /tmp && echo mounted'" 2>&1)
	unlike "$out" mounted "off tier, Landlock ABI $abi: the builder cannot mount, even in a namespace of its own"
else
	skip "not an ordinary user's off tier with Landlock ABI 9 and user namespaces"
fi

# ---- processes of the builder's own uid outside the build ---------------
# Only an ordinary user's off tier has any: its builder runs as the caller.
# As root every tier runs it as a build user, whose processes outside a
# build nsbuild kills before it starts one; the full tier's PID namespace
# hides them all.
if ! is_root; then
	mark="nsb-landlock-victim-$$"
	"$HELPER" sleep 60 "$mark" &
	victim=$!
	out=$(in_tier off -- signal "$victim" 0 2>/dev/null)
	if [ $scope = yes ]; then
		is "$out" EPERM "off tier: the builder cannot signal the caller's process $victim (Landlock scope)"
	else
		is "$out" sent "off tier, no Landlock scope here: the builder can signal the caller's process $victim"
	fi
	out=$(in_tier off -- ptrace "$victim" 2>/dev/null)
	if [ $domain = yes ]; then
		is "$out" EPERM "off tier: the builder cannot ptrace the caller's process $victim (Landlock domain)"
	else
		yama=$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo absent)
		if [ "$yama" = 0 ] || [ "$yama" = absent ]; then
			is "$out" attached "off tier, no Landlock here (Yama: $yama): the builder can ptrace the caller's process"
		else
			is "$out" EPERM "off tier, no Landlock here: Yama (ptrace_scope $yama) stops the builder's ptrace"
		fi
	fi
	out=$(in_tier off -- try-read "/proc/$victim/environ" 2>/dev/null)
	if [ $domain = yes ]; then
		is "$out" "EACCES" "off tier: the builder cannot read the caller's process's environment (Landlock domain)"
	else
		is "$out" "read" "off tier, no Landlock here: the builder reads the caller's process's environment"
	fi
	# From a process the builder started: the domain is all of the build.
	out=$("$NSBUILD" run --sandbox=off -- /bin/sh -c "$HELPER signal $victim 0" 2>/dev/null)
	if [ $scope = yes ]; then
		is "$out" EPERM "off tier: a process the builder started cannot signal the caller's process either"
	else
		is "$out" sent "off tier, no Landlock scope here: a process the builder started can signal the caller's process"
	fi
	# (Its supervisor is guarded besides: supervisor.sh.)
	kill "$victim"; wait "$victim" 2>/dev/null
else
	for i in 1 2 3 4; do skip "as root no process outside the build has the builder's uid"; done
fi

# ---- where a seccomp filter keeps Landlock from nsbuild ------------------
# (A container runtime's profile that lacks its system calls.)  features
# says so and why, and builds run without it, as they said: nothing is
# claimed that is not given.
if [ $compiled = yes ]; then
	nl=$("$HELPER" no-landlock "$NSBUILD" features 2>&1)
	like "$(printf '%s\n' "$nl" | grep '^landlock ')" "no     ENOSYS: " "under a filter refusing Landlock: features says landlock does not work"
	like "$(printf '%s\n' "$nl" | grep '^landlock ')" "seccomp filter" "and names the filter as a possible cause"
	like "$(printf '%s\n' "$nl" | grep '^landlock_scope ')" "no     ENOSYS: " "nor landlock_scope"
else
	for i in 1 2 3; do skip "Landlock is not compiled into this nsbuild"; done
fi
out=$("$HELPER" no-landlock "$NSBUILD" run --sandbox=off -- "$HELPER" exit 0 2>&1); st=$?
is "$st $out" "0 " "and an off-tier build runs without it"
if ! is_root; then
	"$HELPER" sleep 60 "nsb-landlock-victim-$$" &
	victim=$!
	out=$("$HELPER" no-landlock "$NSBUILD" run --sandbox=off -- "$HELPER" signal "$victim" 0 2>/dev/null)
	is "$out" sent "where features says so, the builder can signal the caller's other processes"
	kill "$victim"; wait "$victim" 2>/dev/null
else
	skip "as root no process outside the build has the builder's uid"
fi

# ---- where only entering a domain is refused ------------------------------
# The kernel's ABI answers, and a build's child, which is the trial (no
# fork to try first on every build's way), is refused its domain: the build
# runs without one all the same, says so with -v, and features, whose
# trial it is, says why.
if [ $compiled = yes ] && [ $domain = yes ]; then
	nl=$("$HELPER" no-landlock-restrict "$NSBUILD" features 2>&1)
	like "$(printf '%s\n' "$nl" | grep '^landlock ')" "no     EPERM: " "where only entering a domain is refused: features says landlock does not work"
	for t in off chroot full; do
		case " $tiers " in *" $t "*) ;; *) skip "the $t tier does not run here"; skip "the $t tier does not run here"; continue ;; esac
		case $t in
		off) out=$("$HELPER" no-landlock-restrict "$NSBUILD" run -v --sandbox=off -- "$HELPER" exit 0 2>&1); st=$? ;;
		chroot) out=$("$HELPER" no-landlock-restrict "$NSBUILD" run -v --sandbox=chroot --ro-bind "$STATIC_HELPER:/t/helper" -- /t/helper exit 0 2>&1); st=$? ;;
		full) out=$("$HELPER" no-landlock-restrict "$NSBUILD" run -v --sandbox=full --host-tools --ro-bind "$HELPER:/t/helper" -- /t/helper exit 0 2>&1); st=$? ;;
		esac
		is "$st" 0 "$t tier: the build runs when its domain is refused"
		# A domain is tried where the scopes are, or, without them, where
		# the builder is the caller's uid beside the caller (off, no root).
		if [ $scope = yes ] || { [ $t = off ] && ! is_root; }; then
			like "$out" "cannot enter a Landlock domain: Operation not permitted (EPERM: refused; nsbuild runs under" \
				"$t tier: -v says the domain was refused, and why, and that the build goes on without it"
		else
			unlike "$out" "Landlock domain" "$t tier: no domain is tried where none is made"
		fi
	done
	if ! is_root; then
		"$HELPER" sleep 60 "nsb-landlock-victim-$$" &
		victim=$!
		out=$("$HELPER" no-landlock-restrict "$NSBUILD" run --sandbox=off -- "$HELPER" signal "$victim" 0 2>/dev/null)
		is "$out" sent "without the domain it was refused, the builder can signal the caller's other processes"
		kill "$victim"; wait "$victim" 2>/dev/null
	else
		skip "as root no process outside the build has the builder's uid"
	fi
else
	for i in 1 2 3 4 5 6 7 8; do skip "no Landlock domain here to be refused"; done
fi

# ---- where the caller is as deep in Landlock domains as it may be ---------
# Nested sandboxes leave a process in up to 16 domains; the 17th is refused
# (E2BIG): the build runs without one of its own, and -v says why.
if [ $compiled = yes ] && [ $scope = yes ]; then
	out=$("$HELPER" landlock-nest 16 "$NSBUILD" run -v --sandbox=off -- "$HELPER" exit 0 2>&1); st=$?
	is "$st" 0 "in 16 nested Landlock domains: the build runs"
	like "$out" "as many nested Landlock domains as the kernel allows (16)), continuing without a Landlock domain" \
		"and -v says it has no domain of its own, and why"
else
	skip "no Landlock scopes here to nest domains with"; skip "no Landlock scopes here to nest domains with"
fi

# ---- inside the build, all of it still works ------------------------------
for t in off full; do
	case " $tiers " in *" $t "*) ;; *) for i in 1 2 3 4 5 6; do skip "the $t tier does not run here"; done; continue ;; esac
	if [ $t = full ]; then h=/t/helper; o="--host-tools --ro-bind $HELPER:/t/helper --setenv PATH=/usr/bin:/bin"
	else h=$HELPER; o="--setenv PATH=/usr/bin:/bin"; fi
	# The listener is waited for against the clock (30 s), as long as a
	# slow machine takes.
	out=$("$NSBUILD" run --sandbox=$t $o -- /bin/sh -c "$h abstract-listen inner-$$ 30 >l & end=\$((\$(date +%s) + 30))
		until grep -q listening l || [ \$(date +%s) -ge \$end ]; do sleep 0.1; done
		$h abstract-connect inner-$$" 2>&1)
	like "$out" connected "$t tier: the builder connects to an abstract socket its own build made"
	out=$("$NSBUILD" run --sandbox=$t $o -- /bin/sh -c "$h abstract-listen \$PWD/s 30 >l & end=\$((\$(date +%s) + 30))
		until grep -q listening l || [ \$(date +%s) -ge \$end ]; do sleep 0.1; done
		$h abstract-connect \$PWD/s" 2>&1)
	like "$out" connected "$t tier: the builder connects to a socket with a path its own build made"
	# Every Landlock domain forbids moving a file to another directory
	# unless a rule allows it (REFER): a build renames and links freely.
	out=$("$NSBUILD" run --sandbox=$t $o -- /bin/sh -c "mkdir -p a/deep b && echo x >a/deep/f && ln a/deep/f b/link &&
		$h rename a/deep/f b/moved && $h rename a b/a && cat b/moved b/link" 2>&1)
	is "$out" "x
x" "$t tier: the builder renames and hard-links files across directories"
	out=$("$NSBUILD" run --sandbox=$t $o -- /bin/sh -c "$h sleep 30 & $h signal \$! 15" 2>&1)
	is "$out" sent "$t tier: the builder signals a process it started"
	# A domain that handles file accesses forbids mounting: none does
	# where a build may nest a sandbox (with the scopes, or where the
	# builder is not the caller's uid beside the caller's processes).
	if [ $t = full ] && command -v unshare >/dev/null; then
		out=$("$NSBUILD" run --sandbox=full $o -- /bin/sh -c "unshare -rm sh -c 'mount -t tmpfs none /tmp && echo mounted'" 2>&1)
		case $out in
		*"unshare failed"*|*"unshare: unshare"*) skip "no user namespace inside the full tier here: $out" ;;
		*) is "$out" mounted "full tier: the builder nests a sandbox (a user and mount namespace, a mount in it)" ;;
		esac
	else
		skip "the $t tier: nesting a sandbox is the full tier's"
	fi
	out=$("$NSBUILD" run --sandbox=$t $o -- /bin/sh -c "$h sleep 30 & p=\$!; $h ptrace \$p; kill \$p" 2>&1)
	case $out in
	attached) ok 0 "$t tier: the builder may ptrace a process it started" ;;
	EPERM) yama=$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo 0)
		[ "$yama" -ge 1 ] 2>/dev/null; ok $? "$t tier: the builder's ptrace of its own process is refused only by Yama ($yama)" ;;
	*) ok 1 "$t tier: the builder may ptrace a process it started"; diag "$out" ;;
	esac
done

done_testing
