#!/bin/sh
# The system-call filter (as Nix's): no setuid or setgid bits by any chmod
# call, fchmodat2 included (CVE-2024-38531), and no extended attributes,
# the Linux 6.13 *xattrat calls included; on x86_64 through the i386 and
# x32 ABIs too.
. "${top_srcdir:-.}/tests/tap.sh"
case $("$NSBUILD" --version | tail -n 1) in
*-SECCOMP*) skip_all "built without the system-call filter (configure --disable-seccomp, or an architecture it does not know)" ;;
esac
require_full

# Control: on the host, outside the filter, the same calls succeed, but
# fchmodat2 where the kernel predates it (Linux 6.6; Debian 12's is 6.1).
# Inside, the filter answers before the kernel looks the call up: EPERM
# either way.
out=$("$HELPER" chmod-setuid "$tap_tmp/f")
case $out in
*"fchmodat2-suid ENOSYS"*) like "$out" "fchmodat-sgid ok" "control: outside the sandbox fchmodat sets setgid (this kernel has no fchmodat2)" ;;
*) like "$out" "fchmodat2-suid ok" "control: outside the sandbox fchmodat2 sets setuid" ;;
esac

out=$(sbx -- chmod-setuid /build/f)
is "$out" "chmod-suid EPERM
chmod-sgid EPERM
fchmod-suid EPERM
fchmodat-sgid EPERM
fchmodat2-suid EPERM
chmod-plain ok" "every chmod call refuses S_ISUID and S_ISGID, plain modes work"

# A 64-bit builder can enter the kernel through the i386 ABI (int $0x80)
# and the x32 one (the 0x40000000 bit): the filter must cover both.
if [ "$(uname -m)" = x86_64 ] && control=$("$HELPER" chmod-setuid-compat "$tap_tmp/c" 2>/dev/null); then
	x32_plain=$(printf '%s\n' "$control" | sed -n 's/^x32-chmod-plain //p')
	if printf '%s\n' "$control" | grep -q "^i386-chmod-suid ok"; then
		out=$(sbx -- chmod-setuid-compat /build/c)
		is "$(printf '%s\n' "$out" | grep '^i386')" "i386-chmod-suid EPERM
i386-chmod-plain ok" "through the i386 ABI, chmod refuses S_ISUID and allows a plain mode"
	else
		skip "this kernel runs no i386 system calls (no IA32 emulation): $(printf '%s\n' "$control" | head -n 1)"
		out=$(sbx -- chmod-setuid-compat /build/c)
	fi
	# Without the filter an x32 chmod succeeds, or fails with ENOSYS where
	# the kernel has no x32 ABI; with it, a setuid mode is EPERM either way.
	is "$(printf '%s\n' "$out" | grep '^x32')" "x32-chmod-suid EPERM
x32-chmod-plain $x32_plain" "through the x32 ABI, chmod refuses S_ISUID (plain: $x32_plain, as outside)"
else
	why="the i386 and x32 ABIs exist only on x86_64, and only an x86_64 build's helper calls through them"
	skip "$why"
	skip "$why"
fi

if "$HELPER" setxattr "$tap_tmp/f" | grep -q "^setxattr ok"; then
	out=$(sbx -- setxattr /build/f)
	is "$out" "setxattr EOPNOTSUPP
setxattrat EOPNOTSUPP" "setxattr and setxattrat fail with ENOTSUP"
else
	skip "this filesystem has no user xattrs, so the control cannot show the filter's effect"
fi

out=$(sbx -- creds)
like "$out" "Seccomp:	2" "the builder runs under a seccomp filter"
done_testing
