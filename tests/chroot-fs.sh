#!/bin/sh
# The full tier's filesystem tests (sandbox-fs.sh), run in the chroot tier;
# those that need a mount are reported as not applicable.
SANDBOX=chroot
export SANDBOX
exec sh "${top_srcdir:-.}/tests/sandbox-fs.sh"
