#!/bin/sh
# The system-call filter (as Nix's): no setuid or setgid bits by any chmod
# call, fchmodat2 included (CVE-2024-38531), and no extended attributes,
# the Linux 6.13 *xattrat calls included.
. "${top_srcdir:-.}/tests/tap.sh"
case $("$NSBUILD" --version | tail -n 1) in
*-SECCOMP*) skip_all "built without libseccomp (configure --with-libseccomp)" ;;
esac
require_full

# Control: on the host, outside the filter, the same calls succeed.
out=$("$HELPER" chmod-setuid "$tap_tmp/f")
like "$out" "fchmodat2-suid ok" "control: outside the sandbox fchmodat2 sets setuid"

out=$(sbx -- chmod-setuid /build/f)
is "$out" "chmod-suid EPERM
chmod-sgid EPERM
fchmod-suid EPERM
fchmodat-sgid EPERM
fchmodat2-suid EPERM
chmod-plain ok" "every chmod call refuses S_ISUID and S_ISGID, plain modes work"

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
