# tap.sh - TAP helpers for the shell tests; sourced, not run.
#
#   plan N | skip_all REASON | ok COND-EXIT NAME | is GOT WANT NAME
#   like GOT PATTERN NAME | skip REASON | diag TEXT | done_testing
# Every test file uses $NSBUILD (the tool) and $HELPER (nsb-testhelper),
# exported by the Makefile.

tap_n=0
tap_failed=0

plan() { echo "1..$1"; tap_planned=1; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

# ok STATUS NAME: pass when STATUS is 0 (typically "$?" of a command).
ok() {
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		printf 'ok %s - %s\n' "$tap_n" "$2"
	else
		printf 'not ok %s - %s\n' "$tap_n" "$2"
		tap_failed=$((tap_failed + 1))
	fi
}

is() {
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "got:  '$1'" "want: '$2'"
	fi
}

# like GOT PATTERN NAME: GOT contains the fixed string PATTERN.
like() {
	case $1 in
	*"$2"*) ok 0 "$3" ;;
	*) ok 1 "$3"; diag "got:  '$1'" "want something containing: '$2'" ;;
	esac
}

unlike() {
	case $1 in
	*"$2"*) ok 1 "$3"; diag "got:  '$1'" "want nothing containing: '$2'" ;;
	*) ok 0 "$3" ;;
	esac
}

skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # SKIP $*"
}

done_testing() {
	[ -n "${tap_planned:-}" ] || echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
	exit $?
}

# wait_for SECONDS COMMAND...: run COMMAND until it succeeds or SECONDS
# have passed (then fail): a slow machine (QEMU, a loaded CI) only takes
# longer, where a fixed number of tries would give up.
wait_for() {
	_wf_end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -le "$_wf_end" ] || return 1
		"$HELPER" sleep 0.02 2>/dev/null || sleep 1
	done
}
# file_has FILE TEXT: FILE holds TEXT (for wait_for).
file_has() { grep -q -- "$2" "$1" 2>/dev/null; }
# dir_nonempty DIR (for wait_for).
dir_nonempty() { [ -n "$(ls -A "$1" 2>/dev/null)" ]; }

# procs_with MARKER: the pids of processes whose command line holds MARKER
# (pgrep -f would also find the shell that runs it for wait_for).
procs_with() {
	for _pw in /proc/[0-9]*/cmdline; do
		case $({ tr '\0' ' ' <"$_pw"; } 2>/dev/null) in
		*"$1"*) _pw=${_pw#/proc/}; echo "${_pw%/cmdline}" ;;
		esac
	done
}
none_with() { [ -z "$(procs_with "$1")" ]; }
some_with() { [ -n "$(procs_with "$1")" ]; }
# gone PID: the process has exited (a zombie holds no files or locks).
gone() { case $(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null) in ''|Z|X) return 0 ;; esac; return 1; }

# make_test_user NAME: the ordinary account NAME exists, made if missing.
# Suites run at once may make it together: the one whose useradd loses
# waits for the other's account.  Fails with useradd's reason in
# $tap_tmp/useradd.err.
_user_exists() { id "$1" >/dev/null 2>&1; }
make_test_user() {
	_user_exists "$1" && return 0
	useradd --system --no-create-home --home-dir / --shell /usr/sbin/nologin "$1" 2>"$tap_tmp/useradd.err" ||
		wait_for 10 _user_exists "$1"
}

# A scratch directory removed at exit.
tap_tmp=$(mktemp -d "${TMPDIR:-/tmp}/nsb-test.XXXXXX") || exit 99
trap 'chmod -R u+w "$tap_tmp" 2>/dev/null; rm -rf "$tap_tmp"' EXIT

# The sandbox tier these tests can use here, or skip_all with the reason.
# require_full: the namespace sandbox must be compiled in and usable.
require_full() {
	case $("$NSBUILD" --version) in
	*-MOUNT_NS*|*-NET_NS*|*-IPC_NS*|*-UTS_NS*|*-PID_NS*)
		skip_all "the full namespace sandbox is not compiled into this build ($("$NSBUILD" --version | tail -n 1))" ;;
	esac
	# As root, or as an ordinary user through a user namespace.  A setup
	# failure is only a skip where this is not the CI machine, on which
	# every namespace is available and must work.
	if ! "$NSBUILD" run --sandbox=full -- /nonexistent 2>"$tap_tmp/probe.err"; then
		if ! grep -q "cannot execute /nonexistent" "$tap_tmp/probe.err"; then
			if [ "${CI:-}" = true ]; then
				echo "Bail out! the full sandbox cannot start on the CI machine: $(cat "$tap_tmp/probe.err")"
				exit 1
			fi
			skip_all "the full sandbox cannot start here: $(cat "$tap_tmp/probe.err")"
		fi
	fi
}

# path_of NAME: the file NAME runs from PATH (busybox's sh answers
# "command -v busybox" with the bare name of its applet).
path_of() {
	_po=$(command -v "$1") || return 1
	case $_po in /*) echo "$_po"; return 0 ;; esac
	_po_ifs=$IFS; IFS=:
	for _pd in $PATH; do
		[ -x "$_pd/$1" ] && { IFS=$_po_ifs; echo "$_pd/$1"; return 0; }
	done
	IFS=$_po_ifs
	return 1
}

# is_static FILE: FILE is a statically linked executable (asked of the
# helper: a busybox system has no ldd).
is_static() { [ "$("$HELPER" elf-static "$1" 2>/dev/null)" = static ]; }

# kill_cmdline SIGNAL PREFIX: signal every process whose command line (its
# words joined by spaces) begins with PREFIX (pkill -f '^PREFIX', which
# busybox lacks).
kill_cmdline() {
	for _kc in /proc/[0-9]*/cmdline; do
		case $(tr '\0' ' ' 2>/dev/null <"$_kc") in
		"$2"*) _kc=${_kc#/proc/}; kill -"$1" "${_kc%/cmdline}" 2>/dev/null ;;
		esac
	done
}

# online_cpus: what sysconf(_SC_NPROCESSORS_ONLN) says (getconf is glibc's;
# a busybox system has /proc).
online_cpus() { getconf _NPROCESSORS_ONLN 2>/dev/null || grep -c '^processor' /proc/cpuinfo; }

# has_feature NAME: nsbuild is built with NAME (+NAME in --version's
# feature line).
has_feature() { case " $("$NSBUILD" --version | tail -n 1) " in *" +$1 "*) return 0 ;; *) return 1 ;; esac; }

# landlock_expected: set ll_abi (the kernel's Landlock ABI, or its errno),
# ll_domain, ll_scope and ll_unix (yes/no): whether a builder here must be
# in a Landlock domain, under its scopes (ABI 6), and (where it sees the
# host's files) kept from unix sockets with a path (ABI 9).  Wherever the
# kernel has them, unless configure was told not to (-LANDLOCK).
landlock_expected() {
	ll_abi=$("$HELPER" landlock-abi)
	ll_domain=no ll_scope=no ll_unix=no
	case " $("$NSBUILD" --version | tail -n 1) " in *" -LANDLOCK "*) return 0 ;; esac
	case $ll_abi in
	1) ;; # its domains would forbid renames across directories: none
	[0-9]*) ll_domain=yes
		[ "$ll_abi" -ge 6 ] && ll_scope=yes
		[ "$ll_abi" -ge 9 ] && ll_unix=yes ;;
	esac
	return 0
}

# Root, or an ordinary user.  Tests whose expectations differ say so.
is_root() { [ "$(id -u)" -eq 0 ]; }
# The build user as the sandbox shows it: as root one of the pool
# 30001..30032 (tests running in parallel hold some), gid 30000; through a
# user namespace 1000:100.
if is_root; then build_gid=30000; else build_gid=100; fi
is_build_uid() {
	if is_root; then
		[ "$1" -ge 30001 ] 2>/dev/null && [ "$1" -le 30032 ]
	else
		[ "$1" = 1000 ]
	fi
}
# The uid in the helper's "creds" output.
creds_uid() { printf '%s\n' "$1" | sed -n 's/^uid \([0-9]*\) \1$/\1/p'; }

# The tier a suite runs in: full, or chroot for the suites that run the
# full tier's tests there too (SANDBOX=chroot).  In the chroot tier, which
# has no mounts, the host's /usr would be copied into every root; a static
# busybox at /bin and the static helper stand in for the host's tools.
TIER=${SANDBOX:-full}
in_chroot() { [ "$TIER" = chroot ]; }
# na REASON: a test that does not apply to this tier, reported as such.
na() { skip "not applicable in the $TIER tier: $*"; }

require_chroot() {
	case $("$NSBUILD" --version | tail -n 1) in
	*-CHROOT*) skip_all "the chroot tier is not compiled into this build" ;;
	esac
	is_root || skip_all "the chroot tier needs root"
	[ -x "${STATIC_HELPER:-}" ] || skip_all "no statically linked helper (static linking is not available)"
	bb=$(path_of busybox) || skip_all "no static busybox for the chroot tier's tools (apt-get install busybox-static)"
	is_static "$bb" || skip_all "$bb is not statically linked (apt-get install busybox-static)"
	tools="$tap_tmp/tools"
	mkdir -p "$tools"
	cp "$bb" "$tools/busybox"
	for a in sh cat stat readlink cp mkdir chmod env uname ls echo sort tr sed test true touch id ln rm ulimit; do
		ln -s busybox "$tools/$a"
	done
}

# require_tier: the tier of this suite must be compiled in and work here.
require_tier() {
	if in_chroot; then require_chroot; else require_full; fi
}

# trun [nsbuild options] -- PROGRAM [ARG...]: run in the suite's tier with
# the helper at /t/helper and tools at /bin.
trun() {
	if in_chroot; then
		"$NSBUILD" run --sandbox=chroot --ro-bind "$tools:/bin" --ro-bind "$STATIC_HELPER:/t/helper" \
			--setenv PATH=/bin "$@"
	else
		"$NSBUILD" run --sandbox=full --host-tools --ro-bind "$HELPER:/t/helper" \
			--setenv PATH=/usr/bin:/bin "$@"
	fi
}

# sbx [nsbuild options] -- HELPER-ARGS: run the helper in the suite's tier.
sbx() {
	_opts=
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		_opts="$_opts $1"
		shift
	done
	shift
	# shellcheck disable=SC2086
	trun $_opts -- /t/helper "$@"
}
