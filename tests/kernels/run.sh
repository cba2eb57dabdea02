#!/bin/sh
# run.sh [NAME...]: boot each kernel of the matrix under QEMU (TCG) with an
# initramfs holding an nsbuild, run the guest's checks and test suites
# there, and report them as TAP.
#
# Kernels, with the build under test (this machine's architecture):
#   debian-6.1, debian-6.12  Debian 12's prebuilt cloud kernels (fetched
#                            by debian-pool-get.sh), with every feature
#   debian-sid               the newest of Debian's own (sid's cloud kernel,
#                            7.2 in November 2026)
#   all                      tinyconfig from Debian's linux-source-6.1 plus
#                            everything nsbuild uses (tunnel drivers built
#                            in: fallback devices in every netns; i386 and
#                            x32 system calls)
#   no-netns, no-userns, no-pid-ipc, no-seccomp, no-namespaces
#                            the same without what the name says
# Other ABIs and architectures, nsbuild cross-built from this source tree
# (cross-build.sh, static) with Debian's cross toolchains:
#   i386 (on debian-6.1), x32 (on all), arm64, armhf, ppc64el, s390x (on
#   Debian's 6.1 kernel for each, with Debian's static busybox for each),
#   riscv64 (no Debian 12 kernel or busybox: a tinyconfig kernel built with
#   the cross toolchain, and trixie's busybox)
#
# Environment: top_srcdir and top_builddir (default: this source tree and
# the current directory), NSB_KERNEL_CACHE (default /var/cache/nsbuild-kernels),
# NSB_KERNEL_TIMEOUT (seconds per guest, default 1800).
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=${top_srcdir:-$(cd "$here/../.." && pwd)}
build=${top_builddir:-$(pwd)}
timeout_s=${NSB_KERNEL_TIMEOUT:-1800}

# name|kernel|lacks|suites|userland (native, or a cross triplet)
arch_suites=sandbox-seccomp,test-seccomp,sandbox-net,sandbox-ipc,sandbox-proc
matrix="debian-6.1|debian 6.1 amd64||sandbox-net,sandbox-ipc,sandbox-proc,sandbox-fs,sandbox-seccomp,errors,security,cli,derivation,hostile,degraded,sandbox-chroot,chroot-fs,chroot-proc,chroot-hostile,cgroup,landlock,landlock-user,supervisor-user|native
debian-6.12|debian 6.12 amd64||sandbox-net,sandbox-proc,sandbox-seccomp,degraded,cgroup,cgroup-delegated,landlock,landlock-user,supervisor-user|native
debian-sid|debian newest amd64 sid||sandbox-net,sandbox-seccomp,cgroup,cgroup-delegated,landlock,landlock-user,supervisor-user|native
all|build all||sandbox-net,sandbox-seccomp,landlock,supervisor-user|native
no-netns|build no-netns|net_ns||native
no-userns|build no-userns|user_ns||native
no-pid-ipc|build no-pid-ipc|pid_ns,ipc_ns||native
no-seccomp|build no-seccomp|seccomp|supervisor-user|native
no-namespaces|build no-namespaces|namespaces||native
i386|debian 6.1 amd64||$arch_suites|i686-linux-gnu
x32|build all||$arch_suites|x86_64-linux-gnux32
arm64|debian 6.1 arm64||$arch_suites|aarch64-linux-gnu
armhf|debian 6.1 armhf||$arch_suites|arm-linux-gnueabihf
ppc64el|debian 6.1 ppc64el||$arch_suites|powerpc64le-linux-gnu
s390x|debian 6.1 s390x||$arch_suites|s390x-linux-gnu
riscv64|build riscv64||$arch_suites|riscv64-linux-gnu"

n=0 failed=0
emit() { n=$((n + 1)); echo "$1 $n$2"; [ "$1" = ok ] || failed=$((failed + 1)); }
# renumber: TAP lines without numbers (from a guest) into this run's
# numbering, counting failures.  In this shell, not a pipe's subshell:
# the counts must survive.
renumber() {
	while IFS= read -r line; do
		case $line in
		"ok # SKIP"*) emit ok " # SKIP ${line#ok # SKIP }" ;;
		"ok - "*) emit ok " - ${line#ok - }" ;;
		"not ok - "*) emit "not ok" " - ${line#not ok - }" ;;
		*) echo "$line" ;;
		esac
	done
}

if [ "$(uname -m)" != x86_64 ]; then
	echo "1..0 # SKIP the kernel matrix runs on x86_64 (this is $(uname -m))"
	exit 0
fi
# userland TRIPLET: the build tree for TRIPLET ("native": the one under
# test), cross-built once per run (in NSB_CROSS_DIR where that is set, for
# a --prepare run to leave them to the run that boots).
cross_dir=${NSB_CROSS_DIR:-}
userland() {
	[ "$1" = native ] && { echo "$build"; return 0; }
	d="${cross_dir:-$work}/build-$1"
	[ -f "$d/.built" ] || { rm -rf "$d" && sh "$here/cross-build.sh" "$1" "$src" "$d" >&2 && touch "$d/.built"; } ||
		return 1
	echo "$d"
}

# --prepare: only build and fetch the kernels and busyboxes (into the
# cache) and, with NSB_CROSS_DIR, cross-build the other ABIs' nsbuild,
# booting nothing: tests/matrix.sh runs this in the background, at a low
# priority, while it builds and tests the other configurations.
if [ "${1:-}" = --prepare ]; then
	rc=0
	while IFS='|' read -r name how lacks suites triplet; do
		if [ -n "$cross_dir" ] && [ "$triplet" != native ]; then
			userland "$triplet" >/dev/null || rc=1
			[ "$triplet" = aarch64-linux-gnu ] && { userland arm-linux-gnueabihf >/dev/null || rc=1; }
		fi
		arch=amd64
		case $how in
		"debian "*) set -- $how; arch=$3; sh "$here/debian-kernel.sh" "$2" "$3" ${4:-} >/dev/null || rc=1 ;;
		"build "*) sh "$here/build-kernel.sh" "${how#build }" >/dev/null || rc=1
			case $how in *riscv64*) arch=riscv64 ;; esac ;;
		esac
		sh "$here/debian-busybox.sh" "$arch" >/dev/null || rc=1
		echo "prepared $name"
	done <<EOF
$matrix
EOF
	exit $rc
fi

for tool in qemu-system-x86_64 cpio gzip; do
	command -v $tool >/dev/null && continue
	# Where CI installed everything, a missing tool is a failure.
	[ "${CI:-}" = true ] && { echo "Bail out! no $tool on the CI machine"; exit 1; }
	echo "1..0 # SKIP no $tool (sudo .ci/install-deps --kernels installs the kernel matrix's tools)"
	exit 0
done
[ -x "$build/tools/nsbuild" ] || { echo "Bail out! no nsbuild built in $build"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/nsbk.XXXXXX")
trap 'rm -rf "$work"' EXIT

# qemu DEBIAN-ARCH KERNEL INITRD APPEND: boot under the timeout, the
# console to $work/console; QEMU's generic machine of each architecture.
qemu() {
	case $1 in
	amd64) set -- qemu-system-x86_64 "$2" "$3" "console=ttyS0 $4" -m 2048 -smp 2 ;;
	arm64) set -- qemu-system-aarch64 "$2" "$3" "console=ttyAMA0 $4" -M virt -cpu max -m 2048 -smp 2 ;;
	armhf) set -- qemu-system-arm "$2" "$3" "console=ttyAMA0 $4" -M virt,highmem=off -cpu cortex-a15 -m 1024 -smp 2 ;;
	ppc64el) set -- qemu-system-ppc64 "$2" "$3" "console=hvc0 $4" -M pseries -cpu power9 -m 2048 -smp 2 ;;
	s390x) set -- qemu-system-s390x "$2" "$3" "console=ttysclp0 $4" -M s390-ccw-virtio -m 2048 -smp 2 ;;
	riscv64) set -- qemu-system-riscv64 "$2" "$3" "console=ttyS0 $4" -M virt -bios default -m 2048 -smp 2 ;;
	esac
	bin=$1 kernel=$2 initrd=$3 append=$4; shift 4
	command -v "$bin" >/dev/null || { echo "no $bin (apt-get install qemu-system-...)" >"$work/console"; return 127; }
	timeout "$timeout_s" "$bin" -accel tcg "$@" -nographic -no-reboot -nic none \
		-kernel "$kernel" -initrd "$initrd" -append "$append" </dev/null >"$work/console" 2>&1
}


wanted=" $* "
while IFS='|' read -r name how lacks suites triplet; do
	[ "$wanted" = "  " ] || case $wanted in *" $name "*) ;; *) continue ;; esac
	kernel= arch=amd64
	case $how in
	"debian "*) set -- $how; arch=$3; kernel=$(sh "$here/debian-kernel.sh" "$2" "$3" ${4:-} 2>"$work/kernel.err") ;;
	"build "*) kernel=$(sh "$here/build-kernel.sh" "${how#build }" 2>"$work/kernel.err")
		case $how in *riscv64*) arch=riscv64 ;; esac ;;
	esac
	if [ -z "$kernel" ] || [ ! -f "$kernel" ]; then
		emit "not ok" " - $name: get the kernel ($how)"
		sed 's/^/# /' "$work/kernel.err"
		continue
	fi
	# The guest's userland: the build for its ABI, Debian's busybox for
	# its architecture, and on arm64 a 32-bit ARM program the filter must
	# kill.
	if ! ul=$(userland "$triplet" 2>"$work/build.err"); then
		emit "not ok" " - $name: build nsbuild for $triplet"
		sed 's/^/# /' "$work/build.err"
		continue
	fi
	foreign=
	if [ "$arch" = arm64 ] && fu=$(userland arm-linux-gnueabihf 2>"$work/build.err"); then
		foreign="$fu/tests/helpers/nsb-testhelper-static"
	fi
	if ! bb=$(sh "$here/debian-busybox.sh" "$arch" 2>"$work/busybox.err") ||
		! BUSYBOX=$bb FOREIGN=$foreign sh "$here/make-initramfs.sh" "$src" "$ul" "$work/initrd.gz" 2>"$work/initrd.err"; then
		emit "not ok" " - $name: make the guest's initramfs"
		cat "$work/busybox.err" "$work/initrd.err" | sed 's/^/# /'
		continue
	fi
	extra=
	[ "$triplet" = x86_64-linux-gnux32 ] && extra=syscall.x32=y
	start=$(date +%s)
	qemu "$arch" "$kernel" "$work/initrd.gz" \
		"quiet loglevel=1 panic=-1 $extra nsbk.kernel=$name nsbk.lacks=$lacks nsbk.suites=$suites"
	st=$?
	# The guest's TAP, between its markers, renumbered and named.
	tr -d '\r' <"$work/console" | while IFS= read -r line; do
		case $line in
		*"@@nsbk-begin "*) section=${line#*@@nsbk-begin }; section=${section%@@*} ;;
		*"@@nsbk-end "*) section= ;;
		"ok "*"# SKIP"*) [ -n "${section:-}" ] && echo "ok # SKIP $name/$section: ${line#*# SKIP }" ;;
		"1..0 # SKIP"*) [ -n "${section:-}" ] && echo "ok # SKIP $name/$section: ${line#1..0 # SKIP }" ;;
		"ok "*) [ -n "${section:-}" ] && echo "ok - $name/$section: $(printf '%s' "$line" | sed 's/^ok [0-9]* *-* *//')" ;;
		"not ok "*) [ -n "${section:-}" ] && echo "not ok - $name/$section: $(printf '%s' "$line" | sed 's/^not ok [0-9]* *-* *//')" ;;
		"#"*) [ -n "${section:-}" ] && echo "$line" ;;
		esac
	done >"$work/tap"
	renumber <"$work/tap"
	# The filter's numbers in this guest's build, against libseccomp's.
	if grep -q '^@@table ' "$work/console"; then
		if [ -x "$build/tests/helpers/nsb-scmp" ]; then
			tr -d '\r' <"$work/console" | sed -n 's/^@@table //p' | "$build/tests/helpers/nsb-scmp" |
				while IFS= read -r line; do
					case $line in
					"ok "*) echo "ok - $name/seccomp-tables: $(printf '%s' "$line" | sed 's/^ok [0-9]* *-* *//')" ;;
					"not ok "*) echo "not ok - $name/seccomp-tables: $(printf '%s' "$line" | sed 's/^not ok [0-9]* *-* *//')" ;;
					"#"*) echo "$line" ;;
					esac
				done >"$work/tables"
		else
			echo "ok # SKIP $name/seccomp-tables: the build under test has no nsb-scmp (libseccomp-dev, test-only)" >"$work/tables"
		fi
		renumber <"$work/tables"
	fi
	for s in checks $(echo "$suites" | tr ',' ' '); do
		rc=$(tr -d '\r' <"$work/console" | sed -n "s/.*@@nsbk-end $s rc=\([0-9]*\)@@.*/\1/p" | head -n 1)
		[ -n "$rc" ] || { emit "not ok" " - $name/$s ran"; continue; }
		[ "$rc" = 0 ] || grep -q "^not ok - $name/$s:" "$work/tap" || emit "not ok" " - $name/$s exited with status $rc"
	done
	if grep -q "@@nsbk-done@@" "$work/console"; then
		emit ok " - $name: the guest ran every check and suite ($(($(date +%s) - start)) s)"
	else
		emit "not ok" " - $name: the guest ran every check and suite (qemu status $st after $(($(date +%s) - start)) s)"
		tail -n 30 "$work/console" | sed 's/^/# /'
	fi
done <<EOF
$matrix
EOF
echo "1..$n"
[ "$failed" -eq 0 ]
