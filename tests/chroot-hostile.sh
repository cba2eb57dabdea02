#!/bin/sh
# The hostile builder's tests (hostile.sh), run in the chroot tier.
SANDBOX=chroot
export SANDBOX
exec sh "${top_srcdir:-.}/tests/hostile.sh"
