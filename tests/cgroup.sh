#!/bin/sh
# Every build in a cgroup of its own, where the system gives one: its
# processes are in it from the start, in every tier; the full tier sees
# only "/" of it; it is killed and removed at the end, and a killed run's
# is removed by the next; what the build used is counted (--stats), from
# the cgroup, or without one from the waited-for processes.  Real cgroups:
# v1 and the unified hierarchy's core on the development and CI machines,
# v2 with controllers in the kernel matrix's guests.
. "${top_srcdir:-.}/tests/tap.sh"

export TMPDIR="$tap_tmp/tmp"
mkdir -p "$TMPDIR"
if is_root; then chmod 0755 "$tap_tmp"; fi
journal="$tap_tmp/journal"


# Other suites' builds run beside this one (make -j check): every check
# of what is left names the build's own cgroup, nsbuild-run-ID.
# run_id TEXT: the first build cgroup named in TEXT (a /proc/PID/cgroup).
run_id() { printf '%s\n' "$1" | grep -o 'nsbuild-run-[0-9a-f]*' | head -n 1; }
# cgroup_dirs ID: the directories of that build cgroup, in any hierarchy.
cgroup_dirs() { [ -n "$1" ] && find /sys/fs/cgroup -maxdepth 8 -type d -name "$1" 2>/dev/null; }
gone_cgroup() { [ -n "$1" ] && [ -z "$(cgroup_dirs "$1")" ]; }
# run_id_of PID: the build cgroup process PID is in, as the host sees it.
run_id_of() { run_id "$(cat "/proc/$1/cgroup" 2>/dev/null)"; }
have_cgroup=no
"$NSBUILD" features | grep -q '^CGROUP (.*: yes$' && have_cgroup=yes
diag "cgroup: $have_cgroup; $("$NSBUILD" features | sed -n '/^CGROUP/{n;p}')"

# stats_field OUTPUT NAME: the number after NAME in a --stats line.
stats_field() { printf '%s\n' "$1" | sed -n "s/.*stats:.*$2 \([0-9.]*\) .*/\1/p" | head -n 1; }
# at_least A B: A >= B, decimals allowed.
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 >= b + 0) }'; }

# --stats, wherever: CPU time and peak memory that are plausible.
out=$("$NSBUILD" run --stats --sandbox=off -- "$HELPER" burn 1 2>&1)
user=$(stats_field "$out" user)
at_least "$user" 0.9; ok $? "--stats: a builder burning 1 s of CPU reports at least 0.9 s of user time ($user)"
like "$out" "stats: wall " "--stats: the wall time"
out=$("$NSBUILD" run --stats --sandbox=off -- "$HELPER" alloc 100 2>&1)
peak=$(stats_field "$out" "peak memory")
at_least "$peak" 100; ok $? "--stats: a builder that allocates 100 MiB reports a peak of at least 100 MiB ($peak MiB)"
if [ $have_cgroup = yes ]; then
	like "$out" "system $(printf '%s' "$out" | sed -n 's/.*system \([0-9.]*\) s (.*/\1/p') s (the build's cgroup)" "--stats: the CPU time is the build's cgroup's"
else
	like "$out" "(waited-for processes), peak memory" "--stats: without a cgroup, it says the figures are the waited-for processes'"
fi

# --json-status-fd: the pid once it runs, then the end with the figures.
if has_feature JSON; then
	out=$("$NSBUILD" run --sandbox=off --log "$tap_tmp/pid" --json-status-fd 3 -- /bin/sh -c 'echo $$; exit 3' 3>&1 2>/dev/null)
	first=$(printf '%s\n' "$out" | sed -n 1p) last=$(printf '%s\n' "$out" | sed -n 2p)
	is "$first" "{ \"child-pid\": $(cat "$tap_tmp/pid"), \"sandbox\": \"off\" }" "--json-status-fd: the builder's pid when it runs"
	like "$last" '{ "exit-code": 3, "result": "exited", "wall-usec": ' "--json-status-fd: its end"
	like "$last" '"user-usec": ' "--json-status-fd: with the statistics"
	out=$("$NSBUILD" run --sandbox=off --json-status-fd 3 -- /nonexistent 3>&1 2>/dev/null)
	is "$out" '{ "exit-code": 127, "result": "failed" }' "--json-status-fd: a build that does not start writes its end only"
else
	for i in 1 2 3 4; do skip "--json-status-fd: built without json-c"; done
	is "$("$NSBUILD" run --sandbox=off --json-status-fd 1 -- /bin/true 2>&1; echo "$?")" \
		"nsbuild: --json-status-fd: this nsbuild was built without json-c (configure --with-jsonc; on Debian: apt-get install libjson-c-dev)
125" "--json-status-fd: refused without json-c (125), saying why"
fi

if [ $have_cgroup = no ]; then
	# A limit that cannot be enforced is refused, in every mode.
	for mode in auto off; do
		err=$("$NSBUILD" run --sandbox=$mode --memory-max 256M -- /bin/true 2>&1)
		is "$?" 125 "no cgroup, --sandbox=$mode: --memory-max fails with 125"
		like "$err" "cannot enforce the limits asked for: the build gets no cgroup here" "no cgroup: and says why"
	done
	if is_root; then
		# Root on a system with cgroups mounted always gets one.
		if [ -d /sys/fs/cgroup ] && grep -q cgroup /proc/self/mountinfo; then
			ok 1 "root gets a cgroup where cgroups are mounted"; diag "$("$NSBUILD" features | sed -n '/^CGROUP/,/^$/p')"
		fi
	else
		like "$("$NSBUILD" features | sed -n '/^CGROUP/{n;p}')" "to enable: " "features: without a cgroup, says why and how to get one"
	fi
	done_testing
fi

# The builder's own /proc/self/cgroup, in the off tier (it sees the host's
# names): in every hierarchy nsbuild uses, the build's cgroup.
cg=$("$NSBUILD" run --sandbox=off -- /bin/cat /proc/self/cgroup 2>&1)
# (Our own, or the cgroup whose processes nsbuild moved into its leaf
# nsbuild-caller: builds are made beside that leaf.)
mine=$(sed 's,/nsbuild-caller$,,; s,:$,:/,' /proc/self/cgroup)
used=$(printf '%s\n' "$cg" | grep -c '/nsbuild/nsbuild-run-[0-9a-f]*$')
[ "$used" -ge 1 ]; ok $? "off tier: the builder is in the build's cgroup ($used hierarchies)"
same=$(printf '%s\n' "$cg" | grep '/nsbuild/nsbuild-run-' | sed 's,/nsbuild/nsbuild-run-[0-9a-f]*$,,; s,:$,:/,' | sort)
before=$(printf '%s\n' "$mine" | sort)
# Each such line is our own cgroup's line plus /nsbuild/<run>: below ours.
below=yes
for l in $same; do printf '%s\n' "$before" | grep -qxF -- "$l" || below=no; done
is "$below" yes "off tier: the build's cgroup is below nsbuild's own, in each hierarchy"
id=$(run_id "$cg")
gone_cgroup "$id"; ok $? "off tier: the build's cgroup ($id) is not left after the build"

if "$NSBUILD" features | grep -q '^--sandbox=auto uses: full$' && has_feature JSON; then
	# The builder's pid (--json-status-fd) shows its cgroup from here.
	"$NSBUILD" run --sandbox=full --host-tools --json-status-fd 3 -- /bin/sh -c '/bin/cat /proc/self/cgroup; exec /bin/sleep 2' \
		3>"$tap_tmp/full.json" >"$tap_tmp/full.cg" 2>&1 &
	bpid=$!
	wait_for 20 file_has "$tap_tmp/full.json" child-pid
	id=$(run_id_of "$(sed -n 's/.*"child-pid": \([0-9]*\).*/\1/p' "$tap_tmp/full.json")")
	wait $bpid
	notroot=$(grep -v ':/$' "$tap_tmp/full.cg")
	is "$notroot" "" "full tier: every line of /proc/self/cgroup ends in ':/' (a cgroup namespace)"
	gone_cgroup "$id"; ok $? "full tier: the build's cgroup ($id) is not left after the build"
else
	skip "the full tier does not work here, or no json-c for --json-status-fd"
	skip "the full tier does not work here, or no json-c for --json-status-fd"
fi

# A daemon (setsid, double fork) is in the cgroup too, in every tier, and
# dies with the build; the cgroup goes with it.
daemon_in_cgroup() {
	for f in /proc/[0-9]*/cmdline; do
		case $({ tr '\0' ' ' <"$f"; } 2>/dev/null) in
		*"sleep 60 $mark"*) p=${f#/proc/}; id=$(run_id_of "${p%/cmdline}"); [ -n "$id" ] && return 0 ;;
		esac
	done
	return 1
}
none_left() { gone_cgroup "$id"; }
for tier in off chroot full; do
	mark="nsb-cgroup-daemon-$$-$tier"
	bb=$(path_of busybox 2>/dev/null) && is_static "$bb" || bb=/nonexistent
	case $tier in
	off) set -- --sandbox=off; h=$HELPER sh=/bin/sh ;;
	chroot) set -- --sandbox=chroot --ro-bind "${STATIC_HELPER:-/nonexistent}:/t/helper" --ro-bind "$bb:/t/busybox"
		h=/t/helper sh="/t/busybox sh" ;;
	full) set -- --sandbox=full --host-tools --ro-bind "$HELPER:/t/helper"; h=/t/helper sh=/bin/sh ;;
	esac
	if ! "$NSBUILD" run "$@" -- $sh -c "$h exit 0" >/dev/null 2>&1; then
		skip "the $tier tier does not run here"; skip "the $tier tier does not run here"
		continue
	fi
	"$NSBUILD" run "$@" -- $sh -c "$h daemon $mark; exec $h sleep 59 $mark" >/dev/null 2>&1 &
	pid=$!
	wait_for 20 daemon_in_cgroup; ok $? "$tier tier: a double-forked, setsid daemon is in the build's cgroup"
	kill -TERM $pid
	wait $pid 2>/dev/null
	wait_for 20 none_with "$mark" && wait_for 20 none_left; ok $? "$tier tier: the build's end kills it, and removes the cgroup"
done

# has_ctl NAME: builds get controller NAME here (features' summary).
has_ctl() { "$NSBUILD" features | sed -n '/^CGROUP/{n;p}' | grep -Eq "[(,] ?$1[,)]"; }
# A limit whose controller builds do not get here fails before the build.
refused_limit() {
	err=$("$NSBUILD" run --sandbox=off "$@" -- /bin/true 2>&1)
	is "$?" 125 "$1 without the controller: refused with 125"
	like "$err" "cannot enforce $1: no cgroup hierarchy of this system gives the build the" "$1: and says which controller is missing"
}

# Limits.  A process limit stops a fork loop (a bounded one: the
# machine is shared), the build fails saying so, nothing is left.
mark="nsb-cgroup-forks-$$"
if has_ctl pids; then
	err=$("$NSBUILD" run --sandbox=off --timeout 60 --pids-max 64 -- "$HELPER" forks 200 "$mark" 2>&1)
	is "$?" 1 "--pids-max 64: a builder forking 200 processes fails (its own status)"
	like "$err" "failed after reaching the process limit (pids.max 64; forks refused: " "--pids-max: the result says the process limit was hit"
	like "$err" "forks refused: 137" "--pids-max: the builder got 63 processes beside itself, no more"
	none_with "$mark"; ok $? "--pids-max: none of its processes is left"
	# pids.peak: Linux 6.1.
	out=$("$NSBUILD" run --sandbox=off --stats --pids-max 100 -- "$HELPER" forks 10 "$mark" 2>&1)
	case $(uname -r) in
	[0-5].*|6.0.*) like "$out" "stats: " "--stats: (no pids.peak before Linux 6.1)" ;;
	*) # Threads count too (a sanitizer's own thread, say).
		peakp=$(printf '%s\n' "$out" | sed -n 's/.*peak processes \([0-9]*\).*/\1/p')
		[ -n "$peakp" ] && [ "$peakp" -ge 11 ] && [ "$peakp" -le 40 ]
		ok $? "--stats: the build's peak number of processes (pids.peak): the builder and 10 ($peakp)" ;;
	esac
else
	refused_limit --pids-max 64
	for i in 1 2 3; do skip "no pids controller for builds here"; done
fi
# Without a limit, the end of the build kills all it started.
err=$("$NSBUILD" run --sandbox=off --timeout 60 -- "$HELPER" forks 300 "$mark" 2>&1)
is "$?" 0 "no limit: the builder starts 300 detached processes"
wait_for 10 none_with "$mark"; ok $? "no limit: the end of the build kills all 300"
# Memory: the OOM killer acts inside the build's cgroup.
if has_ctl memory; then
	err=$("$NSBUILD" run --sandbox=off --memory-max 256M -- "$HELPER" alloc 700 2>&1)
	is "$?" 137 "--memory-max 256M: a builder allocating 700 MiB is killed, status 137"
	like "$err" "killed: out of memory (memory.max 256M)" "--memory-max: the result says out of memory"
	if "$NSBUILD" features | grep -q '^--sandbox=auto uses: full$'; then
		# (The default root tmpfs, 512M, would stop it too, later.)
		err=$("$NSBUILD" run --sandbox=full --host-tools --memory-max 256M -- \
			"$(path_of dd)" if=/dev/zero of=/dev/shm/fill bs=1048576 count=400 2>&1)
		is "$?" 137 "--memory-max 256M: filling /dev/shm with 400 MiB is stopped in the build's cgroup"
		like "$err" "killed: out of memory (memory.max 256M)" "--memory-max: the tmpfs pages counted against the limit"
	else
		skip "the full tier does not work here"
		skip "the full tier does not work here"
	fi
	out=$("$NSBUILD" run --sandbox=off --memory-max 256M -- "$HELPER" alloc 100 2>&1)
	is "$?" 0 "--memory-max 256M: a builder that needs 100 MiB is not stopped"
else
	refused_limit --memory-max 256M
	for i in 1 2 3; do skip "no memory controller for builds here"; done
fi
# CPU: half a CPU makes 0.5 s of CPU take about a second.
if has_ctl cpu; then
	out=$("$NSBUILD" run --sandbox=off --stats --cpu-max 0.5 -- "$HELPER" burn 0.5 2>&1)
	wall=$(stats_field "$out" wall)
	at_least "$wall" 0.8; ok $? "--cpu-max 0.5: 0.5 s of CPU takes at least 0.8 s ($wall s)"
	skip "the cpu controller is there"
else
	refused_limit --cpu-max 0.5
fi
err=$("$NSBUILD" run --sandbox=off --cgroup-limit cgroup.procs=1 -- /bin/true 2>&1)
is "$?" 125 "--cgroup-limit: a file not on the list is refused"
err=$("$NSBUILD" run --sandbox=off --cgroup-limit pids.max=5 -- "$HELPER" forks 10 "$mark" 2>&1)
case $("$NSBUILD" features | sed -n '/^CGROUP/{n;p}') in
*"v2 "*"(pids"*|*"v2 "*", pids"*) is "$?" 1 "--cgroup-limit pids.max=5: set on cgroup v2" ;;
*"v1 "*"(pids"*) like "$err" "cannot enforce --cgroup-limit pids.max: the pids controller is on a cgroup v1 hierarchy here" \
	"--cgroup-limit: a v2 file whose controller is on v1 here fails, saying so" ;;
*) like "$err" "cannot enforce --cgroup-limit pids.max: no cgroup hierarchy" "--cgroup-limit: without the controller, fails saying so" ;;
esac

# A cgroup delegated to us (NSB_TEST_DELEGATED, the kernel matrix's
# cgroup-delegated suite), holding the processes it was given, as the
# scope of `systemd-run --user --scope -p Delegate=yes` holds the command
# it runs: the kernel hands no controller down from a cgroup with
# processes, so for the limits above nsbuild moved them into its leaf.
mnt2=$(awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") { print $5; exit } break } }' \
	/proc/self/mountinfo)
if [ -n "${NSB_TEST_DELEGATED:-}" ]; then
	own=$(sed -n 's/^0:://p' /proc/self/cgroup)
	case $own in
	*/nsbuild-caller) ok 0 "delegated: the processes of our cgroup were moved into its leaf nsbuild-caller" ;;
	*) ok 1 "delegated: the processes of our cgroup were moved into its leaf nsbuild-caller ($own)" ;;
	esac
	is "$(cat "$mnt2${own%/nsbuild-caller}/cgroup.procs")" "" "delegated: no process is left in the delegated cgroup itself"
else
	skip "not in a delegated cgroup"; skip "not in a delegated cgroup"
fi
# Root in a cgroup with processes: moved into a leaf where no systemd
# manages cgroups; where systemd does (simulated in a guest by
# /run/systemd/system), left alone, and the limit refused saying why.
if is_root && [ -n "${NSBK_KERNEL:-}" ] && [ ! -e /run/systemd ] && [ -n "$mnt2" ] &&
	grep -qw memory "$mnt2/cgroup.subtree_control" 2>/dev/null && mkdir "$mnt2/nsbtest-busy-$$"; then
	busy="$mnt2/nsbtest-busy-$$"
	mkdir -p /run/systemd/system
	out=$(sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$busy" "$NSBUILD" run --sandbox=off --memory-max 256M -- /bin/true 2>&1)
	is "$?" 125 "root, a cgroup with processes that systemd manages: --memory-max fails with 125"
	like "$out" "among them), which keep it from handing controllers down, and nsbuild may not move them (systemd manages" \
		"and says why, and what to do"
	rm -r /run/systemd
	out=$(sh -c 'echo $$ >"$0/cgroup.procs" && "$@" && cat /proc/self/cgroup' "$busy" "$NSBUILD" run --sandbox=off --memory-max 256M -- /bin/true 2>&1)
	is "$?" 0 "root, a cgroup with processes, no systemd: --memory-max works"
	like "$out" "0::/nsbtest-busy-$$/nsbuild-caller" "and they were moved into its leaf nsbuild-caller"
	rmdir "$busy/nsbuild-caller" "$busy"
else
	for i in 1 2 3 4; do skip "not root in a guest with cgroup v2 controllers"; done
fi

# --cgroup-parent: the build's cgroup directly in the caller's cgroup,
# which stays (it is the caller's); here one made below ours, in the
# unified hierarchy (no limit asked: no v1 hierarchy is used).
own2=$(sed -n 's/^0:://p' /proc/self/cgroup)
if [ -n "$mnt2" ] && [ -n "$own2" ] && mkdir "$mnt2${own2%/}/nsbtest-parent-$$" 2>/dev/null; then
	parent="${own2%/}/nsbtest-parent-$$"
	cg=$("$NSBUILD" run --sandbox=off --cgroup-parent "$parent" -- /bin/cat /proc/self/cgroup 2>&1)
	printf '%s\n' "$cg" | grep -q "^0::$parent/nsbuild-run-[0-9a-f]*\$"
	ok $? "--cgroup-parent: the build's cgroup is made directly in the cgroup given"
	[ -d "$mnt2$parent" ] && [ -z "$(ls -d "$mnt2$parent"/nsbuild-run-* 2>/dev/null)" ]
	ok $? "--cgroup-parent: the parent stays, the build's cgroup goes"
	rmdir "$mnt2$parent"
	err=$("$NSBUILD" run --sandbox=off --cgroup-parent "$parent" -- /bin/true 2>&1)
	is "$?" 125 "--cgroup-parent that does not exist: the build fails, not silently without a cgroup"
else
	for i in 1 2 3; do skip "cannot make a cgroup below ours in the unified hierarchy here"; done
fi
err=$("$NSBUILD" run --sandbox=off --cgroup-parent relative -- /bin/true 2>&1)
is "$?" 125 "--cgroup-parent: a relative path is refused"

# Where the kernel says a process's cgroup id (Linux 6.13), the unified
# hierarchy is found at its usual mount point without mountinfo, but only
# where our own cgroup there has that id: another cgroup bind-mounted over
# the mount point is not taken for ours (mountinfo then shows its root,
# which we are not below: the build gets the v1 hierarchies).
if is_root && [ -n "$mnt2" ] && [ -n "$own2" ] && unshare -m true 2>/dev/null &&
	mkdir "$mnt2${own2%/}/nsbtest-other-$$" 2>/dev/null; then
	other="$mnt2${own2%/}/nsbtest-other-$$"
	out=$(unshare -m sh -c 'mount --bind "$0" "$1" && shift && exec "$@"' "$other" "$mnt2" \
		"$NSBUILD" run --sandbox=off -- /bin/cat /proc/self/cgroup 2>&1)
	is "$?" 0 "a cgroup bind-mounted over the unified mount point: the build runs"
	unlike "$(printf '%s\n' "$out" | grep '^0::')" "nsbtest-other" "and its cgroup is not made in the cgroup mounted there"
	rmdir "$other"; ok $? "which holds nothing of it"
else
	for i in 1 2 3; do skip "not root with a cgroup below ours in the unified hierarchy"; done
fi

# A legacy system, cgroup v1 only (no unified hierarchy mounted): seen
# through a mount namespace without it.  Every v1 hierarchy is joined;
# the kill is the freezer's (freeze, SIGKILL each member, thaw).
v2mount=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
if is_root && [ -n "$v2mount" ] && grep -q ' - cgroup cgroup .*freezer' /proc/self/mountinfo && unshare -m true 2>/dev/null; then
	v1only() { unshare -m sh -c 'umount "$0" && exec "$@"' "$v2mount" "$NSBUILD" run --sandbox=off "$@"; }
	out=$(v1only --stats -- "$HELPER" alloc 100 2>&1)
	like "$out" "MiB (the build's cgroup)" "cgroup v1 only: the peak memory is the build's cgroup's (memory.max_usage_in_bytes)"
	out=$(v1only -- /bin/sh -c "/bin/cat /proc/self/cgroup; exec $HELPER forks 300 $mark-v1" 2>/dev/null)
	is "$?" 0 "cgroup v1 only: the builder starts 300 detached processes"
	wait_for 10 none_with "$mark-v1"; ok $? "cgroup v1 only: the end of the build kills all 300 (frozen, then killed)"
	id=$(run_id "$out")
	gone_cgroup "$id"; ok $? "cgroup v1 only: the build's cgroup ($id) is not left, in any hierarchy"
else
	for i in 1 2 3 4; do skip "not root with a unified and a v1 freezer hierarchy here"; done
fi

# An ordinary user's off-tier builder runs as the caller and can kill its
# supervisor, which alone would leave its daemon running: the cgroup's
# kill still ends it.
if ! is_root; then
	mark="nsb-cgroup-escape-$$"
	"$NSBUILD" run --sandbox=off -- /bin/sh -c "$HELPER daemon $mark; kill -KILL \$PPID; $HELPER sleep 5" >/dev/null 2>&1
	wait_for 10 none_with "$mark"; ok $? "the builder kills its supervisor: its daemon still dies with the build (the cgroup's kill)"
else
	skip "as root the builder cannot kill its supervisor"
fi

# A cgroup made below the build's (a delegated user's builder may make
# one: the build's cgroup is its uid's), with the builder moved into it:
# the build's end still kills it and removes both.
mark="nsb-cgroup-sub-$$"
"$NSBUILD" run --sandbox=off -- "$HELPER" sleep 3 "$mark" >"$tap_tmp/sub.out" 2>&1 &
bpid=$!
id=
builder_in_cgroup() {
	for b in $(procs_with "sleep 3 $mark"); do
		id=$(run_id_of "$b") && [ -n "$id" ] && { builder=$b; return 0; }
	done
	return 1
}
if wait_for 20 builder_in_cgroup; then
	d=$(cgroup_dirs "$id" | head -n 1)
	mkdir "$d/sub" && echo "$builder" >"$d/sub/cgroup.procs"
	ok $? "a cgroup below the build's, with the builder in it"
else
	ok 1 "a cgroup below the build's, with the builder in it"
fi
wait $bpid
is "$?" 0 "the build still succeeds"
gone_cgroup "$id"; ok $? "and its cgroup, and the one below, are removed"
diag "$(cat "$tap_tmp/sub.out")"

# nsbuild killed: the cgroup stays, and the next run removes it.
"$NSBUILD" run --sandbox=off --journal-dir "$journal" -- "$HELPER" sleep 60 "$mark-k" >/dev/null 2>&1 &
pid=$!
builder_id() {
	for b in $(procs_with "sleep 60 $mark-k"); do
		id=$(run_id_of "$b")
		[ -n "$id" ] && return 0
	done
	return 1
}
id=
wait_for 20 builder_id
kill -KILL $pid
wait $pid 2>/dev/null
wait_for 20 none_with "sleep 60 $mark-k"
[ -n "$(cgroup_dirs "$id")" ]; ok $? "nsbuild killed: its build's cgroup ($id) is left (for the next run)"
err=$("$NSBUILD" run --sandbox=off --journal-dir "$journal" -- /bin/true 2>&1)
printf '%s\n' "$err" | grep -q "cgroup /sys/fs/cgroup/.*/nsbuild-run-[0-9a-f]* of an earlier run (pid $pid) that was killed, removed"
ok $? "the next run removes a killed run's cgroup, and says so"; diag "$err"
gone_cgroup "$id"; ok $? "and it is gone"

done_testing
