#!/bin/sh
# The namespace test suites again, as an ordinary user: the full tier then
# runs through a user namespace (the builder is uid 1000, gid 100) and
# must keep every promise it keeps for root.  Run as root, this creates
# the account nsbuild-test if needed; run as an ordinary user, the other
# test files already cover this mode.
. "${top_srcdir:-.}/tests/tap.sh"

suites="sandbox-net sandbox-ipc sandbox-proc sandbox-fs errors sandbox-seccomp security hostile landlock demo derivation"
user=nsbuild-test

is_root || skip_all "not root: the other test files already run as an ordinary user"
case $("$NSBUILD" --version | tail -n 1) in
*-USER_NS*|*-MOUNT_NS*) skip_all "the full tier with user namespaces is not compiled into this build" ;;
esac
command -v runuser >/dev/null || skip_all "runuser (util-linux) is not installed"
make_test_user "$user" || skip_all "cannot create the account $user: $(cat "$tap_tmp/useradd.err")"
for f in "$NSBUILD" "$HELPER" "$top_srcdir/tests/tap.sh"; do
	runuser -u "$user" -- test -r "$f" ||
		skip_all "$f is not readable by an ordinary user (build in a directory others can enter)"
done

utmp="$tap_tmp/user-tmp"
mkdir -p "$utmp"
chown "$user" "$utmp"
chmod 755 "$tap_tmp"

n=0 failed=0
emit() { n=$((n + 1)); echo "$1 $n$2"; }

# The chroot tier needs root: asked for explicitly, it refuses plainly.
if case $("$NSBUILD" --version | tail -n 1) in *+CHROOT*) true ;; *) false ;; esac; then
	err=$(runuser -u "$user" -- env TMPDIR="$utmp" "$NSBUILD" run --sandbox=chroot -- /bin/true 2>&1); st=$?
	if [ "$st" = 125 ]; then emit ok " - an ordinary user's --sandbox=chroot exits 125"; else emit "not ok" " - an ordinary user's --sandbox=chroot exits 125 (got $st)"; fi
	case $err in
	*"[chroot: EPERM: chroot needs root (CAP_SYS_CHROOT); to enable: run as root]"*) emit ok " - naming why" ;;
	*) emit "not ok" " - naming why"; echo "# got: $err" ;;
	esac
fi
for suite in $suites; do
	runuser -u "$user" -- env -i PATH="$PATH" TMPDIR="$utmp" CI="${CI:-}" \
		top_srcdir="$top_srcdir" top_builddir="$top_builddir" \
		NSBUILD="$NSBUILD" HELPER="$HELPER" STATIC_HELPER="${STATIC_HELPER:-}" NOKERNEL="${NOKERNEL:-}" \
		sh "$top_srcdir/tests/$suite.sh" >"$tap_tmp/out" 2>"$tap_tmp/err"
	st=$?
	bad=0
	while IFS= read -r line; do
		case $line in
		"1..0 # SKIP"*) emit ok " # SKIP $suite: ${line#1..0 # SKIP }" ;;
		"not ok "*) emit "not ok" " - $suite: $(printf '%s' "$line" | sed 's/^not ok [0-9]* *-* *//')"; bad=1 ;;
		"ok "*"# SKIP"*) emit ok " # SKIP $suite: ${line#*# SKIP }" ;;
		"ok "*) emit ok " - $suite: $(printf '%s' "$line" | sed 's/^ok [0-9]* *-* *//')" ;;
		"Bail out!"*) emit "not ok" " - $suite: $line"; bad=1 ;;
		"#"*) echo "$line" ;;
		esac
	done <"$tap_tmp/out"
	if [ $st -ne 0 ] && [ $bad -eq 0 ]; then
		emit "not ok" " - $suite exited with status $st"
		sed 's/^/# /' "$tap_tmp/err"
	fi
done
echo "1..$n"
