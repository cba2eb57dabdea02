#!/bin/sh
# run.sh [KERNEL...]: boot each kernel of the matrix under QEMU (TCG) with
# an initramfs holding the nsbuild of the build tree under test, run the
# guest's checks and test suites there, and report them as TAP.
#
#   debian-6.1, debian-6.12  Debian 12's prebuilt cloud kernels (apt-get
#                            download), with every feature
#   all                      tinyconfig from Debian's linux-source-6.1 plus
#                            everything nsbuild uses (and tunnel drivers
#                            built in: fallback devices in every netns)
#   no-netns, no-userns, no-pid-ipc, no-seccomp, no-namespaces
#                            the same without what the name says
#
# Environment: top_srcdir and top_builddir (default: this source tree and
# the current directory), NSB_KERNEL_CACHE (default /var/cache/nsbuild-kernels),
# NSB_KERNEL_TIMEOUT (seconds per guest, default 1800).
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=${top_srcdir:-$(cd "$here/../.." && pwd)}
build=${top_builddir:-$(pwd)}
timeout_s=${NSB_KERNEL_TIMEOUT:-1800}

# name|how|lacks|suites
matrix='debian-6.1|debian 6.1||sandbox-net,sandbox-ipc,sandbox-proc,sandbox-fs,sandbox-seccomp,errors,security,cli,derivation,hostile,degraded,sandbox-chroot,chroot-fs,chroot-proc,chroot-hostile
debian-6.12|debian 6.12||sandbox-net,sandbox-proc,sandbox-seccomp,degraded
all|build all||sandbox-net,sandbox-seccomp
no-netns|build no-netns|net_ns|
no-userns|build no-userns|user_ns|
no-pid-ipc|build no-pid-ipc|pid_ns,ipc_ns|
no-seccomp|build no-seccomp|seccomp|
no-namespaces|build no-namespaces|namespaces|'

n=0 failed=0
emit() { n=$((n + 1)); echo "$1 $n$2"; [ "$1" = ok ] || failed=$((failed + 1)); }

if [ "$(uname -m)" != x86_64 ]; then
	echo "1..0 # SKIP the kernel matrix boots x86_64 kernels (this is $(uname -m))"
	exit 0
fi
for tool in qemu-system-x86_64 cpio gzip; do
	command -v $tool >/dev/null || { echo "1..0 # SKIP no $tool (apt-get install qemu-system-x86 cpio)"; exit 0; }
done
[ -x "$build/tools/nsbuild" ] || { echo "Bail out! no nsbuild built in $build"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/nsbk.XXXXXX")
trap 'rm -rf "$work"' EXIT
if ! err=$(sh "$here/make-initramfs.sh" "$src" "$build" "$work/initrd.gz" 2>&1); then
	echo "Bail out! cannot make the guest's initramfs: $err"
	exit 1
fi

wanted=" $* "
while IFS='|' read -r name how lacks suites; do
	[ "$wanted" = "  " ] || case $wanted in *" $name "*) ;; *) continue ;; esac
	case $how in
	"debian "*) kernel=$(sh "$here/debian-kernel.sh" "${how#debian }" 2>"$work/kernel.err") ;;
	"build "*) kernel=$(sh "$here/build-kernel.sh" "${how#build }" 2>"$work/kernel.err") ;;
	esac
	if [ -z "$kernel" ] || [ ! -f "$kernel" ]; then
		emit "not ok" " - $name: get the kernel"
		sed 's/^/# /' "$work/kernel.err"
		continue
	fi
	start=$(date +%s)
	timeout "$timeout_s" qemu-system-x86_64 -accel tcg -m 2048 -smp 2 -nographic -no-reboot -nic none \
		-kernel "$kernel" -initrd "$work/initrd.gz" \
		-append "console=ttyS0 quiet loglevel=1 panic=-1 nsbk.kernel=$name nsbk.lacks=$lacks nsbk.suites=$suites" \
		</dev/null >"$work/console" 2>&1
	st=$?
	# The guest's TAP, between its markers, renumbered and named.
	section=
	tr -d '\r' <"$work/console" | while IFS= read -r line; do
		case $line in
		*"@@nsbk-begin "*) section=${line#*@@nsbk-begin }; section=${section%@@*} ;;
		*"@@nsbk-end "*) section= ;;
		"ok "*"# SKIP"*) [ -n "$section" ] && echo "ok # SKIP $name/$section: ${line#*# SKIP }" ;;
		"1..0 # SKIP"*) [ -n "$section" ] && echo "ok # SKIP $name/$section: ${line#1..0 # SKIP }" ;;
		"ok "*) [ -n "$section" ] && echo "ok - $name/$section: $(printf '%s' "$line" | sed 's/^ok [0-9]* *-* *//')" ;;
		"not ok "*) [ -n "$section" ] && echo "not ok - $name/$section: $(printf '%s' "$line" | sed 's/^not ok [0-9]* *-* *//')" ;;
		"#"*) [ -n "$section" ] && echo "$line" ;;
		esac
	done >"$work/tap"
	while IFS= read -r line; do
		case $line in
		"ok # SKIP"*) emit ok " # SKIP ${line#ok # SKIP }" ;;
		"ok - "*) emit ok " - ${line#ok - }" ;;
		"not ok - "*) emit "not ok" " - ${line#not ok - }" ;;
		*) echo "$line" ;;
		esac
	done <"$work/tap"
	for s in checks $(echo "$suites" | tr ',' ' '); do
		grep -q "@@nsbk-end $s rc=" "$work/console" || continue
		rc=$(sed -n "s/.*@@nsbk-end $s rc=\([0-9]*\)@@.*/\1/p" "$work/console" | head -n 1)
		[ "$rc" = 0 ] || grep -q "^not ok" "$work/tap" || emit "not ok" " - $name/$s exited with status $rc"
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
