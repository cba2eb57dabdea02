#!/bin/sh
# The filter's system-call numbers, by name, against libseccomp's tables:
# here for this build's ABIs (x86_64, x32 and i386 on x86); for every other
# architecture in the kernel matrix (tests/kernels/run.sh), from the table
# the cross-built test-seccomp prints in its guest.
scmp="${top_builddir:-.}/tests/helpers/nsb-scmp"
table="${top_builddir:-.}/tests/test-seccomp"
if [ ! -x "$scmp" ]; then
	echo "1..0 # SKIP built without libseccomp (a test-only dependency: apt-get install libseccomp-dev)"
elif [ ! -x "$table" ]; then
	echo "1..0 # SKIP built without the system-call filter"
else
	"$table" --table | "$scmp"
fi
