#!/bin/sh
# Processes and privileges: a fresh PID namespace whose death takes every
# process of the build with it; no capability; no_new_privs; the build user;
# nothing but stdin, stdout and stderr open.  Run in the full tier, and by
# chroot-proc.sh in the chroot tier, where the tests that need a namespace
# or a /proc inside the sandbox are reported as not applicable.
. "${top_srcdir:-.}/tests/tap.sh"
require_tier

# The tier's tools without a PATH, for the tests of the environment.
if in_chroot; then tools_opts="--sandbox=chroot --ro-bind $tools:/bin"; else tools_opts="--sandbox=full --host-tools"; fi
no_proc="needs a /proc in the sandbox (a mount); sandbox-chroot.sh checks it from the host"

out=$(sbx -- exit 0); st=$?
ok $st "the builder runs"
if in_chroot; then
	na "a fresh PID namespace"
	na "a private /proc"
else
	out=$(sbx -- pid)
	is "$out" "1" "the builder is PID 1 of a fresh PID namespace"
	out=$(trun -- /bin/sh -c 'for p in /proc/[0-9]*; do echo ${p#/proc/}; done')
	is "$(printf '%s' "$out" | tr '\n' ' ')" "1" "no host process is visible in its /proc"
fi

out=$(sbx -- creds)
is_build_uid "$(creds_uid "$out")"; ok $? "the builder runs as a build user (uid $(creds_uid "$out"))"
like "$out" "gid $build_gid $build_gid" "with gid $build_gid"
for c in CapInh CapPrm CapEff CapBnd CapAmb; do
	if in_chroot; then na "$no_proc"; else like "$out" "$c:	0000000000000000" "$c is empty"; fi
done
if in_chroot; then na "$no_proc"; else like "$out" "NoNewPrivs:	1" "no_new_privs is set"; fi

out=$(sbx --user 4242:4343 -- creds)
like "$out" "uid 4242 4242" "--user sets the uid"
like "$out" "gid 4343 4343" "--user sets the gid"
groups=$(sbx -- creds | sed -n 's/^groups//p')
if is_root; then
	is "$groups" "" "and no supplementary group"
else
	# setgroups is denied in an unprivileged user namespace: the caller's
	# groups stay, seen as the build group or as the overflow gid.
	extra=$(for g in $groups; do [ "$g" = "$build_gid" ] || [ "$g" = 65534 ] || echo "$g"; done)
	is "$extra" "" "and no supplementary group but its own and the overflow gid"
fi
out=$(trun --user 4242:4343 -- /bin/sh -c '/bin/cat /etc/passwd /etc/group')
like "$out" "nixbld:x:4242:4343:Nix build user:/build:/noshell" "/etc/passwd names the build user nixbld"
like "$out" "nixbld:!:4343:" "/etc/group names its group nixbld"

if in_chroot; then
	na "$no_proc"
	na "$no_proc"
	na "a host name of its own needs a UTS namespace"
	na "a host name of its own needs a UTS namespace"
else
	out=$(sbx -- fds | tr '\n' ' ')
	is "$out" "0 1 2 " "the builder has only fds 0, 1 and 2"
	# An fd the caller leaks (no O_CLOEXEC) does not reach the builder.
	out=$(exec 7</dev/null; sbx -- fds | tr '\n' ' ')
	is "$out" "0 1 2 " "an fd the caller left open without O_CLOEXEC does not leak in"
	out=$(sbx -- hostname)
	is "$out" "localhost (none)" "host name localhost, domain name (none)"
	out=$(sbx --hostname builder7 -- hostname)
	is "$out" "builder7 (none)" "--hostname sets the host name"
fi

# A daemon left behind (double fork + setsid) dies with the build.
# survivors MARKER: the pids of helper daemons carrying MARKER.
survivors() {
	for f in /proc/[0-9]*/cmdline; do
		case $(tr '\0' ' ' <"$f" 2>/dev/null) in
		"nsb-testhelper sleep 60 $1 ") p=${f#/proc/}; echo "${p%/cmdline}" ;;
		esac
	done
}
marker="nsb-daemon-marker-$$"
out=$(sbx -- daemon "$marker"); st=$?
ok $st "a builder leaves a daemon behind and exits"
# The build is over: every process of it is dead or dying.  A SIGKILL
# takes effect when the process is next scheduled, so allow a deadline
# for the last ones to go (a slow machine only takes longer).
no_survivor() { [ -z "$(survivors "$1")" ]; }
some_survivor() { [ -n "$(survivors "$1")" ]; }
wait_for 30 no_survivor "$marker"; ok $? "no process of the build survives it"
left=$(survivors "$marker"); [ -z "$left" ] || kill -KILL $left

# Control for the check above: the same daemon started on the host
# survives and is found.
"$HELPER" daemon "$marker-control" >/dev/null
wait_for 30 some_survivor "$marker-control"; ok $? "control: the same daemon started on the host survives and is found"
left=$(survivors "$marker-control"); [ -z "$left" ] || kill $left

# The environment: cleared, then the standard variables, then --setenv.
# shellcheck disable=SC2086
out=$(FOO=leak "$NSBUILD" run $tools_opts --setenv EXTRA=1 --setenv HOME=/custom -- /bin/env | sort | tr '\n' ' ')
is "$out" "EXTRA=1 HOME=/custom NIX_BUILD_CORES=$(online_cpus) NIX_BUILD_TOP=/build NIX_LOG_FD=2 NIX_STORE=/nix/store PATH=/path-not-set PWD=/build TEMP=/build TEMPDIR=/build TERM=xterm-256color TMP=/build TMPDIR=/build " \
	"the environment is the standard set plus --setenv, which overrides"

# Personality: address randomisation off; i686-linux runs as a 32-bit machine.
if in_chroot; then
	na "$no_proc"
else
	# On top of what the kernel gives every process here (a 32-bit ARM
	# kernel: ADDR_LIMIT_32BIT).
	base=$(cat /proc/self/personality)
	out=$(trun -- /bin/cat /proc/self/personality)
	is "$out" "$(printf '%08x' $((0x$base | 0x0040000)))" "ADDR_NO_RANDOMIZE is set (on $base)"
fi
if [ "$(uname -m)" = x86_64 ]; then
	out=$(trun --system i686-linux -- /bin/uname -m)
	is "$out" "i686" "--system i686-linux makes uname report i686"
else
	skip "--system i686-linux needs an x86_64 host"
fi

# A signal the caller ignores is not ignored by the builder.
out=$( (trap '' INT TERM; trun -- /bin/sh -c 'grep SigIgn /proc/self/status 2>/dev/null || echo none') )
if in_chroot; then
	na "$no_proc"
else
	is "$out" "SigIgn:	0000000000000000" "signals the caller ignores are not ignored by the builder"
fi
out=$(trun -- /bin/sh -c 'umask; ulimit -c')
is "$(printf '%s' "$out" | tr '\n' ' ')" "0022 0" "umask 022 and no core dumps"

done_testing
