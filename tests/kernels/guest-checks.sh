#!/bin/sh
# What nsbuild delivers on the kernel this QEMU guest booted, checked
# against what that kernel is built without ($NSBK_LACKS, from the kernel
# command line): as root and as an ordinary user, features says exactly
# what is missing, why and which kernel option would give it; auto builds
# with every isolation the kernel allows, checked from inside the builder;
# the explicit tiers work or refuse as documented; nothing is left behind.
# Runs in the guest, from guest-init.
. "${top_srcdir:-.}/tests/tap.sh"

lacks=" $(echo "${NSBK_LACKS:-}" | tr ',' ' ') "
# Without CONFIG_NAMESPACES every namespace but the mount namespace (which
# the kernel always has) is missing.
case $lacks in *" namespaces "*) lacks="$lacks net_ns ipc_ns uts_ns pid_ns user_ns " ;; esac
has() { case $lacks in *" $1 "*) return 1 ;; *) return 0 ;; esac; }
option() {
	case $1 in
	net_ns) echo CONFIG_NET_NS ;; ipc_ns) echo CONFIG_IPC_NS ;; uts_ns) echo CONFIG_UTS_NS ;;
	pid_ns) echo CONFIG_PID_NS ;; user_ns) echo CONFIG_USER_NS ;; seccomp) echo CONFIG_SECCOMP ;;
	esac
}
user=1000 group=1000
as_user() { "$HELPER" as-user $user $group env -i PATH="$PATH" TMPDIR="$utmp" HOME="$utmp" "$@"; }
utmp=/tmp/u$user
mkdir -p "$utmp" && chown $user:$group "$utmp"
cp "$STATIC_HELPER" /tmp/helper && chmod 755 /tmp/helper
mounts_before=$(cat /proc/mounts)
ip link set lo down

# features_checks WHO FEATURES CAPS...: of CAPS, the capabilities the
# kernel lacks, and only those, do not work, and say which kernel option
# gives them (features' own table: --json needs json-c, which a cross
# build may lack).
features_checks() {
	who=$1 raw=$2; shift 2
	for cap in "$@"; do
		line=$(printf '%s\n' "$raw" | grep "^$cap ")
		if has $cap; then
			like "$line" "$(printf '%-22s %-9s %-6s' "$cap" yes yes)" "$who: features says $cap works"
		else
			like "$line" "$(printf '%-22s %-9s %-6s' "$cap" yes no)" "$who: features says $cap does not work"
			block=$(printf '%s\n' "$raw" | grep -A1 "^$cap " | tr '\n' ' ')
			like "$block" "use a kernel built with $(option $cap)=y" "$who: and names $(option $cap)"
		fi
	done
}
# auto_line LACKS: what features says auto uses, the full tier lacking
# LACKS (' "a", "b"' as the checks below collect them).
auto_line() {
	l=$(echo $1 | tr -d '"')
	echo "--sandbox=auto uses: full${l:+, without (see above): $l}"
}

# inside WHO OPTS...: what the builder of an auto build sees, a line each:
# its pid (the shell's: the builder itself), its host name, its interfaces, its seccomp mode, whether the
# host's /init is visible.
inside() {
	who=$1; shift
	# The off tier binds nothing: the helper by the host's path.
	h=${inside_helper:-/t/helper}
	"$@" --setenv PATH=/usr/bin:/bin -- /bin/sh -c "echo \$\$; $h hostname; $h ifaces | tr '\n' ' '; echo; $h seccomp-mode; [ -e /init ] && echo host-visible || echo host-hidden" 2>"/tmp/inside.err"
}

# build_checks WHO NAMESPACES-EXPECTED RUN...: an auto build, and what the
# builder sees matches what the kernel allows this caller.
build_checks() {
	who=$1 ns=$2; shift 2
	out=$(inside "$who" "$@"); st=$?
	is "$st" 0 "$who: an auto build succeeds"
	[ $st -eq 0 ] || diag "$(cat /tmp/inside.err)"
	pid=$(printf '%s\n' "$out" | sed -n 1p)
	host=$(printf '%s\n' "$out" | sed -n 2p | cut -d' ' -f1)
	if [ "$ns" = yes ] && has pid_ns; then is "$pid" 1 "$who: the builder is PID 1 of its own PID namespace"
	else [ "$pid" != 1 ]; ok $? "$who: without a PID namespace the builder is not PID 1 ($pid)"; fi
	if [ "$ns" = yes ] && has uts_ns; then is "$host" localhost "$who: its host name is its own"
	else is "$host" nsbk-guest "$who: without a UTS namespace it has the host's name"; fi
	ifaces=$(printf '%s\n' "$out" | sed -n 3p)
	# The guest's own lo is down while these run: only a network
	# namespace of the build's own has it up.
	if [ "$ns" = yes ] && has net_ns; then
		# Fallback tunnel devices of built-in drivers come down and
		# unconfigured into every network namespace.
		others=$(printf '%s' "$ifaces" | tr ' ' '\n' | paste - - | while read -r name state; do
			case " lo sit0 tunl0 gre0 gretap0 erspan0 ip_vti0 ip6_vti0 ip6tnl0 ip6gre0 ip6erspan0 " in
			*" $name "*) [ "$name" = lo ] && [ "$state" != up ] && echo "lo-$state"; [ "$name" != lo ] && [ "$state" != down ] && echo "$name-$state" ;;
			*) echo "$name" ;;
			esac
		done)
		is "$others" "" "$who: its network is lo, up, and nothing else but tunnels, down ($ifaces)"
	else
		like "$ifaces" "lo down" "$who: without a network namespace it has the host's network (lo down)"
	fi
	mode=$(printf '%s\n' "$out" | sed -n 4p)
	if has seccomp; then is "$mode" 2 "$who: the system-call filter is on"
	else is "$mode" EINVAL "$who: the kernel has no seccomp, and the build runs without it"; fi
	# Auto's one warning names every piece it lacks ($warn_pieces).
	for piece in ${warn_pieces:-}; do
		like "$(cat /tmp/inside.err)" "$piece" "$who: auto's warning names $piece"
	done
	vis=$(printf '%s\n' "$out" | sed -n 5p)
	if [ "$ns" = yes ]; then is "$vis" host-hidden "$who: the host's files are out of sight"
	else is "$vis" host-visible "$who: without a sandbox the host's files are in sight"; fi
}

# ---- root --------------------------------------------------------------
feats=$("$NSBUILD" features)
features_checks root "$feats" net_ns ipc_ns uts_ns pid_ns seccomp user_ns
root_lacks=
for cap in net_ns ipc_ns uts_ns pid_ns seccomp; do has $cap || root_lacks="$root_lacks \"$cap\","; done
root_lacks=${root_lacks%,}
is "$(printf '%s\n' "$feats" | grep '^--sandbox=auto uses:')" "$(auto_line "$root_lacks")" \
	"root: auto uses the full tier without [${root_lacks# }]"
warn_pieces=$(echo $root_lacks | tr -d '",') build_checks root yes "$NSBUILD" run --host-tools --ro-bind "$STATIC_HELPER:/t/helper"
err=$("$NSBUILD" run --sandbox=full --host-tools --ro-bind "$STATIC_HELPER:/t/helper" -- /t/helper exit 0 2>&1); st=$?
if [ -z "$root_lacks" ]; then is "$st $err" "0 " "root: --sandbox=full works"
else
	first=$(echo $root_lacks | tr -d '",' | cut -d' ' -f1)
	like "$st $err" "125 nsbuild:" "root: --sandbox=full refuses (125)"
	like "$err" "$(option "$first")" "root: naming the kernel option it needs"
fi
err=$("$NSBUILD" run --sandbox=chroot --ro-bind /bin:/bin --ro-bind "$STATIC_HELPER:/t/helper" -- /t/helper exit 0 2>&1); st=$?
like "$st $err" "0" "root: --sandbox=chroot works"
err=$("$NSBUILD" run --sandbox=off -- /tmp/helper exit 0 2>&1); st=$?
like "$st $err" "0" "root: --sandbox=off works"

# ---- an ordinary user --------------------------------------------------
feats=$(as_user "$NSBUILD" features)
# Without user namespaces an ordinary user has no namespace at all: only
# what says why is checked.
if has user_ns; then features_checks "uid $user" "$feats" net_ns ipc_ns uts_ns pid_ns seccomp user_ns
else features_checks "uid $user" "$feats" seccomp user_ns; fi
if has user_ns; then
	user_lacks=$root_lacks
	is "$(printf '%s\n' "$feats" | grep '^--sandbox=auto uses:')" "$(auto_line "$user_lacks")" \
		"uid $user: auto uses the full tier through a user namespace without [${user_lacks# }]"
	warn_pieces=$(echo $user_lacks | tr -d '",') build_checks "uid $user" yes as_user "$NSBUILD" run --host-tools --ro-bind "$STATIC_HELPER:/t/helper"
else
	like "$feats" "--sandbox=auto uses: off" "uid $user: without user namespaces auto can only use the off tier"
	like "$(printf '%s\n' "$feats" | grep '^--sandbox=auto uses:')" "user_ns" "uid $user: and says it lacks user_ns"
	inside_helper=/tmp/helper build_checks "uid $user" no as_user "$NSBUILD" run
	like "$(cat /tmp/inside.err)" "CONFIG_USER_NS" "uid $user: the warning names CONFIG_USER_NS"
fi

ip link set lo up

# ---- an ABI the filter does not know -------------------------------------
# A builder that enters the kernel through another ABI than the filter's
# (a 32-bit ARM program on arm64) is killed, not let through.
if [ -x /t/foreign-helper ]; then
	if out=$(/t/foreign-helper exit 0 2>&1); then
		err=$("$NSBUILD" run --ro-bind /t/foreign-helper:/t/fh -- /t/fh exit 0 2>&1); st=$?
		is "$st" 159 "a program of a foreign ABI is killed by the filter (SIGSYS)"
		like "$err" "killed by signal 31" "and nsbuild says so"
	else
		skip "this kernel does not run the foreign helper's ABI: $out"
		skip "(the same)"
	fi
fi

# ---- nothing left -------------------------------------------------------
is "$(cat /proc/mounts)" "$mounts_before" "the mount table is as it was"
is "$(ls -A /tmp | grep -c nsbuild)" 0 "no build directory is left"
left=$(for f in /proc/[0-9]*/status; do
	u=$(sed -n 's/^Uid:[[:space:]]*\([0-9]*\).*/\1/p' "$f" 2>/dev/null)
	s=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "$f" 2>/dev/null)
	case $u in 3000[1-9]|300[1-3][0-9]|$user) [ "$s" = Z ] || echo "${f%/status}" ;; esac
done)
is "$left" "" "no process of a build user is left"
done_testing
