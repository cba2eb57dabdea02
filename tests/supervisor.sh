#!/bin/sh
# A builder of its supervisor's uid (an ordinary user's off tier; the same
# holds for root building as itself and for the full tier without a PID
# namespace) against the supervisor that ends what the build started:
# every call that names the supervisor is refused where nsbuild has its
# system-call filter (seccomp-guard.c) and, for signals, where the kernel
# has Landlock's scopes; the builder's own processes stay its to signal,
# renice and limit; the attack that needs none of the refused calls
# (lowering the supervisor's RLIMIT_NOFILE, then leaving a daemon) fails.
# Where neither protects it (no seccomp, no Landlock scope: a kernel
# without them, or configure --disable-seccomp --disable-landlock), the
# supervisor's own defences: a stopped supervisor is continued or killed
# when the build is to end, a killed one makes the build fail, saying so.
# As root this re-runs itself as the account nsbuild-test (as
# unprivileged.sh does), whatever tiers are compiled in.
. "${top_srcdir:-.}/tests/tap.sh"

user=nsbuild-test
if is_root; then
	command -v runuser >/dev/null || skip_all "runuser (util-linux) is not installed"
	make_test_user "$user" || skip_all "cannot create the account $user: $(cat "$tap_tmp/useradd.err")"
	for f in "$NSBUILD" "$HELPER" "$top_srcdir/tests/tap.sh" "$0"; do
		runuser -u "$user" -- test -r "$f" ||
			skip_all "$f is not readable by an ordinary user (build in a directory others can enter)"
	done
	chmod 755 "$tap_tmp"
	mkdir "$tap_tmp/user" && chown "$user" "$tap_tmp/user"
	runuser -u "$user" -- env -i PATH="$PATH" TMPDIR="$tap_tmp/user" CI="${CI:-}" \
		top_srcdir="$top_srcdir" top_builddir="${top_builddir:-}" NSBUILD="$NSBUILD" HELPER="$HELPER" \
		sh "$0"
	exit $?
fi

# What protects the supervisor here: the filter where features says it
# works (and it is compiled in); Landlock's scope for signals.
landlock_expected
seccomp=$("$NSBUILD" features 2>&1 | sed -n 's/^seccomp  *\([a-z]*\)  *\([a-z]*\).*/\1 \2/p')
if [ "$seccomp" = "yes yes" ]; then guard=yes; else guard=no; fi
diag "guard (seccomp): $guard; Landlock scope: $ll_scope (ABI $ll_abi)"
run_off() { "$NSBUILD" run --sandbox=off --no-cgroup --journal-dir "$tap_tmp/journal" "$@"; }
# quiet: without the warning a kernel without seccomp gives every build.
quiet() { grep -v '^nsbuild: warning: no system-call filter: '; }
# A kernel without CONFIG_BLOCK has no I/O priorities.
if [ "$("$HELPER" harm $$ ioprio)" = ENOSYS ]; then ioprio=ENOSYS; else ioprio=ok; fi

# ---- every call that names the supervisor ---------------------------------
for how in kill killgroup killall tkill tgkill sigqueue prlimit nice sched affinity ioprio setown setown-ex pidfd procfd; do
	out=$(run_off -- /bin/sh -c "exec $HELPER harm \$PPID $how" 2>/dev/null)
	case $how in
	kill*|tkill|tgkill|sigqueue) signal=yes ;;
	*) signal=no ;;
	esac
	if [ $how = ioprio ] && [ $ioprio = ENOSYS ]; then
		is "$out" ENOSYS "this kernel has no I/O priorities to set (CONFIG_BLOCK)"
	elif [ $how = setown-ex ] && [ $ll_scope = yes ]; then
		is "$out" ok "the builder's $how on its supervisor is let through: Landlock's scope refuses the signal"
	elif [ $guard = yes ]; then
		if [ $how = procfd ]; then want=ENOSYS; else want=EPERM; fi
		is "$out" "$want" "the builder's $how on its supervisor is refused ($want)"
	elif [ $signal = yes ] && [ $ll_scope = yes ]; then
		is "$out" EPERM "the builder's $how on its supervisor is refused (Landlock scope)"
	else
		is "$out" ok "without the filter, the builder's $how on its supervisor is not refused (as nsbuild(1) says)"
	fi
done

# Not dumpable, the supervisor's /proc files are not the builder's, with
# Landlock or without (the filter keeping Landlock from nsbuild).
for wrap in "" "$HELPER no-landlock"; do
	out=$($wrap "$NSBUILD" run --sandbox=off --no-cgroup -- /bin/sh -c "exec $HELPER try-read /proc/\$PPID/environ" 2>/dev/null)
	case $out in
	"no-landlock: "*) skip "no seccomp in this kernel to keep Landlock from nsbuild with ($out)" ;;
	*) is "$out" EACCES "the builder cannot read its supervisor's /proc/PID/environ${wrap:+ (without Landlock)}" ;;
	esac
done

# SIGKILL as the SIGIO of a pipe the builder writes to: refused where it
# is set (the filter), or where it is sent (Landlock's scope).
run_off -- /bin/sh -c "$HELPER harm \$PPID sigio-kill; exit 0" >"$tap_tmp/o" 2>&1; st=$?
if [ $guard = yes ] || [ $ll_scope = yes ]; then
	is "$st $(quiet <"$tap_tmp/o")" "0 $([ $ll_scope = yes ] && echo ok || echo EPERM)" \
		"a builder cannot have SIGKILL sent to its supervisor as SIGIO: the build ends as its builder did"
else
	like "$st $(quiet <"$tap_tmp/o")" "125 nsbuild: the builder's supervisor died (signal 9)" \
		"without the filter and Landlock's scope, SIGIO kills the supervisor, and the build fails saying so"
fi

# A builder traced by a process of its own build ends as a zombie only its
# tracer may reap: no SIGCHLD reaches the supervisor, and waiting for it
# would hang the build (or, with a timeout, end it only by killing the
# supervisor, the tracer then outliving it).  Its pidfd tells.
mark="nsb-sup-traced-$$"
run_off --timeout 60 -- "$HELPER" traced-exit "$mark" >"$tap_tmp/o" 2>&1; st=$?
case $(cat "$tap_tmp/o") in
*"tracer: "*) for i in 1 2; do skip "ptrace is not allowed here: $(cat "$tap_tmp/o")"; done ;;
*)
	is "$st $(quiet <"$tap_tmp/o")" "0 traced" "a builder traced by its own child: the build ends when it exits, with its status"
	wait_for 10 none_with "$mark"; ok $? "and the tracer dies with the build" ;;
esac
left=$(procs_with "$mark"); [ -z "$left" ] || kill -KILL $left 2>/dev/null

# ---- its own processes stay its own ----------------------------------------
out=$(run_off -- /bin/sh -c "$HELPER sleep 30 & p=\$!; for how in kill killgroup tkill tgkill sigqueue prlimit nice sched affinity ioprio setown pidfd; do printf '%s ' \$($HELPER harm \$p \$how); done; kill \$p" 2>&1 | quiet)
is "$out" "ok ESRCH ok ok ok ok ok ok ok $ioprio ok ok " "the builder signals, limits and renices a process it started (its group: none of that pid)"
out=$(run_off -- /bin/sh -c "$HELPER harm 0 setown-ex; exit 0" 2>&1 | quiet)
if [ $guard = yes ] && [ $ll_scope = no ]; then
	is "$out" EPERM "without Landlock's scope, F_SETOWN_EX is refused even on the builder's own files (nsbuild(1))"
else
	is "$out" ok "the builder sets F_SETOWN_EX on its own files"
fi
out=$(run_off -- /bin/sh -c "$HELPER harm \$\$ killgroup; $HELPER harm 0 kill" 2>&1 | quiet)
is "$out" "ok
ok" "and signals its own process group"

# ---- the attack that needs none of them -----------------------------------
# RLIMIT_NOFILE 0 and the supervisor could no longer list what to kill:
# the daemon would outlive the build.
mark="nsb-sup-nofile-$$"
out=$(run_off -- /bin/sh -c "$HELPER daemon $mark >/dev/null; exec $HELPER harm-nofile \$PPID" 2>/dev/null)
if [ $guard = yes ]; then
	is "$out" EPERM "a builder cannot take its supervisor's files away (RLIMIT_NOFILE 0)"
	wait_for 10 none_with "$mark"; ok $? "and the daemon it left dies with the build"
else
	skip "no system-call filter here: the builder may lower its supervisor's limits (nsbuild(1))"
	skip "no system-call filter here"
fi
left=$(procs_with "$mark"); [ -z "$left" ] || kill -KILL $left 2>/dev/null

# Nor one that fills the system's file table (ENFILE binds an ordinary
# user): the supervisor opened its children's list before the builder ran
# (where the kernel keeps one, CONFIG_PROC_CHILDREN).  Only in a QEMU guest
# of tests/kernels: a full file table disturbs everything else on a machine.
if [ "${NSB_TEST_IN_GUEST:-}" != 1 ]; then
	for i in 1 2; do skip "filling the system's file table: only in a QEMU guest (make check-kernels)"; done
elif [ ! -e "/proc/self/task/$$/children" ]; then
	for i in 1 2; do skip "this kernel keeps no children's list (CONFIG_PROC_CHILDREN)"; done
else
	mark="nsb-sup-enfile-$$"
	run_off -- /bin/sh -c "$HELPER daemon $mark >/dev/null; exec $HELPER fill-files \$PPID" >"$tap_tmp/o" 2>&1
	like "$(cat "$tap_tmp/o")" "full" "a builder fills the system's file table (ENFILE), leaving a daemon"
	wait_for 30 none_with "$mark"; ok $? "the supervisor still ends the daemon and the processes that hold the table"
	left=$(procs_with "$mark"); [ -z "$left" ] || kill -KILL $left 2>/dev/null
fi

# ---- the supervisor's own defences -----------------------------------------
# Where nothing refuses the builder's signals: a builder that stops the
# supervisor, once or over and over, cannot keep a timed-out build from
# ending (stopped once, the supervisor is continued and kills the build;
# stopped for ever, it is killed itself after a grace period, and nsbuild
# says what may have survived); one that kills it makes the build fail.
if [ $guard = yes ] || [ $ll_scope = yes ]; then
	run_off -- /bin/sh -c 'kill -STOP $PPID 2>/dev/null || exit 3; exit 0' >"$tap_tmp/o" 2>&1; st=$?
	is "$st $(quiet <"$tap_tmp/o")" "3 nsbuild: builder failed with exit status 3" "a builder cannot stop its supervisor"
	run_off -- /bin/sh -c 'kill -KILL $PPID 2>/dev/null || exit 3; exit 0' >"$tap_tmp/o" 2>&1; st=$?
	is "$st $(quiet <"$tap_tmp/o")" "3 nsbuild: builder failed with exit status 3" "a builder cannot kill its supervisor"
	for i in 1 2 3; do skip "the builder cannot signal its supervisor here"; done
else
	for how in once always; do
		mark="nsb-stopsup-$$-$how"
		case $how in
		once) stopper="kill -STOP \$PPID;" ;;
		always) stopper="p=\$PPID; (while kill -STOP \$p 2>/dev/null; do :; done) &" ;;
		esac
		run_off --timeout 1 -- /bin/sh -c "$stopper exec $HELPER sleep 60 $mark" >"$tap_tmp/stopsup.out" 2>&1 &
		pid=$!
		if wait_for 60 gone $pid; then
			wait $pid; st=$?
			out=$(quiet <"$tap_tmp/stopsup.out")
			case $how in
			once)
				is "$st $out" "124 nsbuild: timed out after 1 seconds" "a builder that stops its supervisor: the timed-out build ends (124)"
				wait_for 20 none_with "$mark"; ok $? "and the supervisor, continued, kills the builder" ;;
			always)
				case $out in
				*"did not end within"*) like "$st $out" "124 nsbuild: warning: the builder's supervisor did not end within 5 seconds of being told to" \
					"a builder that stops its supervisor over and over: the build ends (124), and says what may survive" ;;
				*) is "$st $out" "124 nsbuild: timed out after 1 seconds" "a builder that stops its supervisor over and over: the build ends (124)" ;;
				esac ;;
			esac
		else
			ok 1 "a builder that stops its supervisor ($how): the timed-out build ends"
			diag "$(cat "$tap_tmp/stopsup.out")"
			kill -KILL $(cat /proc/$pid/task/$pid/children 2>/dev/null) $pid 2>/dev/null; wait $pid
		fi
		left=$(procs_with "$mark"); [ -z "$left" ] || kill -KILL $left 2>/dev/null
	done
	run_off -- /bin/sh -c 'kill -KILL $PPID; exit 0' >"$tap_tmp/o" 2>&1; st=$?
	like "$st $(quiet <"$tap_tmp/o")" "125 nsbuild: the builder's supervisor died (signal 9) before the builder's end was known" \
		"a builder that kills its supervisor: the build fails (125) and says why"
fi

done_testing
