#!/bin/sh
# The full tier's process and privilege tests (sandbox-proc.sh), run in
# the chroot tier; those that need a namespace or a /proc inside the
# sandbox are reported as not applicable.
SANDBOX=chroot
export SANDBOX
exec sh "${top_srcdir:-.}/tests/sandbox-proc.sh"
