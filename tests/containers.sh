#!/bin/sh
# nsbuild as root inside real containers, run by runc: with runc's default
# spec (capabilities CAP_KILL, CAP_NET_BIND_SERVICE and CAP_AUDIT_WRITE,
# no seccomp filter), with Docker's default capability set and seccomp
# profile (written into the OCI config as dockerd would for amd64), and in
# runc's user-namespace mode (root in the container is uid 200000 outside)
# with either set.  The root file system is the host's /usr and /etc
# read-only, with nsbuild's build and this test's directory bound in; the
# container's cgroup is below the one this test runs in.  In each, nsbuild
# must say what is missing and why, and build with the strongest isolation
# the container allows: checked from inside the builder.
. "${top_srcdir:-.}/tests/tap.sh"

is_root || skip_all "needs root (runc)"
for tool in runc jq; do
	command -v $tool >/dev/null 2>&1 || skip_all "$tool is not installed (.ci/install-deps installs it)"
done
# Docker's own profile (moby's profiles/seccomp/default.json), which
# .ci/install-deps takes from Debian's golang-github-docker-docker-dev.
profile=${NSB_DOCKER_SECCOMP_PROFILE:-/usr/local/share/nsbuild-tests/docker-seccomp-default.json}
[ "$(uname -m)" = x86_64 ] || skip_all "the container configs here are amd64's"
[ -x "${STATIC_HELPER:-}" ] || skip_all "no statically linked helper (static linking is not available; a sanitizer's build)"

work="$tap_tmp/containers"
mkdir -p "$work/bundle/rootfs" "$work/out"
chmod 0755 "$tap_tmp" "$work" "$work/bundle" "$work/bundle/rootfs"
chmod 1777 "$work/out"
for d in bin sbin lib lib32 lib64 libx32; do
	[ -L "/$d" ] && ln -s "$(readlink "/$d")" "$work/bundle/rootfs/$d"
done
abs() { (cd "$1" && pwd -P); }
namespaces=no
"$NSBUILD" --version | grep -q -- '+USER_NS' && namespaces=yes
no_ns() { for i in $(seq "$1"); do skip "no namespaces compiled into this nsbuild"; done; }
builddir=$(abs "$top_builddir") srcdir=$(abs "$top_srcdir")

# What runs in the container, as its PID 1, as root: what nsbuild says,
# then a build of each kind, each result marked for the host to read.
# Build users of a pool no other suite takes: the container shares the
# host's uids but not its lock files, so a host build of the same uid
# would take the container's builder for its own leftover and kill it.
cat >"$work/inner.sh" <<EOF
#!/bin/sh
export PATH=/usr/bin:/bin:/usr/sbin:/sbin TMPDIR=/tmp
N=$builddir/tools/nsbuild H=$builddir/tests/helpers/nsb-testhelper-static
S="$(has_feature JSON && echo "--json-status-fd 3")"
echo "@@features"; "\$N" features 2>&1
echo "@@json"; "\$N" features --json 2>&1
for mode in auto full chroot; do
	echo "@@\$mode"
	"\$N" run --sandbox=\$mode --user-pool 42001:4 --ro-bind "\$H" \$S -- "\$H" creds 3>/tmp/status 2>&1
	echo "@@\$mode-rc \$?"
	echo "@@\$mode-status"; cat /tmp/status
	echo "@@\$mode-pid"; "\$N" run --sandbox=\$mode --user-pool 42001:4 --ro-bind "\$H" -- "\$H" pid 2>/dev/null
	echo "@@\$mode-sysctl"; "\$N" run --sandbox=\$mode --user-pool 42001:4 --ro-bind "\$H" -- "\$H" try-write /proc/sys/kernel/printk_ratelimit 2>/dev/null
done
echo "@@end"
EOF
chmod 0755 "$work/inner.sh"

config_base() {
	(cd "$work/bundle" && rm -f config.json && runc spec) || return 1
	jq --arg build "$builddir" --arg src "$srcdir" --arg work "$work" --arg cg "nsbtest-runc-$$-$1" '
		.process.terminal = false
		| .process.args = ["/bin/sh", ($work + "/inner.sh")]
		| .root.readonly = true
		| .hostname = "nsbtest"
		| .mounts += [
			{destination: "/usr", type: "bind", source: "/usr", options: ["rbind", "ro"]},
			{destination: "/etc", type: "bind", source: "/etc", options: ["rbind", "ro"]},
			{destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=1777"]},
			{destination: "/run", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=0755"]},
			{destination: $build, type: "bind", source: $build, options: ["rbind", "ro"]},
			{destination: $src, type: "bind", source: $src, options: ["rbind", "ro"]},
			{destination: $work, type: "bind", source: $work, options: ["rbind", "rw"]}
		]
		| .linux.cgroupsPath = $cg' "$work/bundle/config.json" >"$work/base.json"
}

docker_caps='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW","CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"]'
with_docker_caps() { jq --argjson caps "$docker_caps" '.process.capabilities = {bounding: $caps, effective: $caps, permitted: $caps}'; }
# Docker's profile format to OCI's, as dockerd does it (rules kept by the
# capabilities, the architecture and the kernel they include or exclude).
with_docker_seccomp() {
	kmaj=$(uname -r | cut -d. -f1) kmin=$(uname -r | cut -d. -f2 | sed 's/[^0-9].*//')
	jq --argjson caps "$docker_caps" --argjson kmajor "$kmaj" --argjson kminor "$kmin" '
		def has($c): $caps | index($c) != null;
		def kernel_ok($v): ($v | split(".") | map(tonumber)) as $m | [$kmajor, $kminor] >= $m;
		def kept:
			((.includes.caps // []) | all(has(.))) and
			((.includes.arches // []) | length == 0 or index("amd64") != null) and
			((.includes.minKernel // null) | . == null or kernel_ok(.)) and
			((.excludes.caps // []) | any(has(.)) | not) and
			((.excludes.arches // []) | index("amd64") == null);
		{ defaultAction: .defaultAction,
		  architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
		  syscalls: [.syscalls[] | select(kept) | {names, action}
			+ (if (.args // []) | length > 0 then {args} else {} end)
			+ (if .errnoRet then {errnoRet} else {} end)] }
		+ (if .defaultErrnoRet then {defaultErrnoRet} else {} end)' "$profile" >"$work/seccomp.json" &&
		jq --slurpfile sc "$work/seccomp.json" '.linux.seccomp = $sc[0]'
}
# The security modules a kernel says are active (securityfs's lsm file,
# which this machine's kernel has none of beside capability): a file of
# the test's, mounted where securityfs would have it.
with_lsm_file() {
	printf 'lockdown,capability,landlock,yama,apparmor' >"$work/lsm"
	jq --arg lsm "$work/lsm" '.mounts += [
		{destination: "/sys/kernel/security", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=0755"]},
		{destination: "/sys/kernel/security/lsm", type: "bind", source: $lsm, options: ["bind", "ro"]}
	]'
}
with_user_ns() {
	jq '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 200000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 200000, size: 65536}]'
}

# run_container NAME FILTER...: run the container with the base config
# through the filters; its output in $work/NAME.out.
run_container() {
	name=$1; shift
	config_base "$name" || return 1
	cp "$work/base.json" "$work/bundle/config.json"
	for f in "$@"; do
		$f <"$work/bundle/config.json" >"$work/next.json" && mv "$work/next.json" "$work/bundle/config.json" || return 1
	done
	timeout 600 runc run --bundle "$work/bundle" "nsbtest-$$-$name" >"$work/$name.out" 2>&1
}
# section NAME PART: the lines of PART in container NAME's output.
section() { sed -n "/^@@$2\$/,/^@@/p" "$work/$1.out" | sed '1d;$d'; }
rc_of() { sed -n "s/^@@$2-rc //p" "$work/$1.out"; }
feature() { section "$1" features | grep -E "^$2 "; }
caps_of() { printf '%s\n' "$1" | sed -n 's/^capget effective //p'; }

# 1. runc's default spec.
run_container runc with_lsm_file
ok $? "runc's default spec: the container ran (runc run)"
grep -q '^@@end$' "$work/runc.out"; ok $? "runc's default spec: nsbuild ran in it to the end"
like "$(feature runc CAP_SYS_ADMIN)" "CAP_SYS_ADMIN          no " "runc: features says CAP_SYS_ADMIN is not held"
like "$(section runc features)" "missing: not in the bounding set, nor in PID 1's: the container runtime" \
	"runc: and that the container runtime dropped it"
unlike "$(section runc features)" "refused although running as root" "runc: nothing blames root or a policy in general"
like "$(section runc features)" "security modules: lockdown,capability,landlock,yama,apparmor; nsbuild runs unconfined" \
	"runc: features names the active security modules (securityfs's lsm) and that nsbuild has no label"
if has_feature JSON; then
	like "$(section runc json)" '"security": "lockdown,capability,landlock,yama,apparmor; nsbuild runs unconfined"' "runc: --json too"
else
	skip "--json: built without json-c"
fi
if [ $namespaces = no ]; then
	no_ns 1
elif feature runc user_ns | grep -qE '^user_ns +yes +yes'; then
	like "$(section runc features)" '--sandbox=auto uses: full' "runc: a user namespace works, so auto is the full tier"
else
	like "$(feature runc user_ns)" "maps its builder to the host's uid 0" "runc: features says why no user namespace is made"
fi
is "$(rc_of runc auto)" 0 "runc: an auto build succeeds"
if has_feature JSON; then
	like "$(section runc auto-status)" '"result": "exited"' "runc: and reports its end"
else
	skip "--json-status-fd: built without json-c"
fi
is "$(caps_of "$(section runc auto)")" 0000000000000000 "runc: the builder holds no capability"
like "$(section runc auto)" "NoNewPrivs:	1" "runc: and can gain none"
if [ $namespaces = no ]; then
	no_ns 2
elif section runc features | grep -q '^--sandbox=auto uses: full'; then
	is "$(section runc auto-pid)" 1 "runc: the builder is PID 1 of its own namespace"
else
	is "$(rc_of runc full)" 125 "runc: --sandbox=full fails with 125"
	like "$(section runc full)" "would be the host's uid 0" "runc: saying why"
fi
is "$(rc_of runc chroot)" 125 "runc: --sandbox=chroot fails with 125"
like "$(section runc chroot)" "without CAP_SYS_CHROOT" "runc: naming the missing capability"

# 2. Docker's defaults: its capability set and seccomp profile (which
#    refuses unshare, mount and namespace flags to clone without
#    CAP_SYS_ADMIN, keyctl, and most personalities).
if [ -f "$profile" ]; then
	run_container docker with_docker_caps with_docker_seccomp
	ok $? "Docker's defaults: the container ran"
	grep -q '^@@end$' "$work/docker.out"; ok $? "Docker's defaults: nsbuild ran in it to the end"
	if [ $namespaces = yes ]; then
		like "$(feature docker user_ns)" "refused; nsbuild runs under 1 seccomp filter" \
			"docker: features says the seccomp filter refused the user namespace"
	else
		no_ns 1
	fi
	like "$(section docker features)" "seccomp: nsbuild runs under 1 filter" "docker: and that nsbuild runs under one"
	like "$(section docker features)" '--sandbox=auto uses: chroot' "docker: auto is the chroot tier (build users and chroot are there)"
	is "$(rc_of docker auto)" 0 "docker: an auto build succeeds (no keyrings, no ADDR_NO_RANDOMIZE: the filter refuses both)"
	uid=$(creds_uid "$(section docker auto)")
	[ "$uid" -ge 42001 ] 2>/dev/null && [ "$uid" -le 42004 ]; ok $? "docker: the builder is a build user of the pool it was given ($uid)"
	is "$(caps_of "$(section docker auto)")" 0000000000000000 "docker: holding no capability"
	is "$(rc_of docker full)" 125 "docker: --sandbox=full fails with 125"
	if [ $namespaces = yes ]; then
		like "$(section docker full)" "refused; nsbuild runs under 1 seccomp filter" "docker: naming the filter"
	else
		no_ns 1
	fi
else
	for i in 1 2 3 4 5 6 7 8 9 10; do skip "no Docker seccomp profile at $profile (.ci/install-deps fetches it)"; done
fi

# 3. runc's user-namespace mode: root in the container is uid 200000
#    outside.  With runc's default capabilities it holds CAP_SETFCAP in
#    no namespace: the off tier; with Docker's set (CAP_SETFCAP, no
#    CAP_SYS_ADMIN) a user namespace of its own, and the full tier.
run_container userns with_user_ns
ok $? "user namespace, runc's capabilities: the container ran"
is "$(rc_of userns auto)" 0 "userns, runc's capabilities: an auto build succeeds"
is "$(caps_of "$(section userns auto)")" 0000000000000000 "userns, runc's capabilities: the builder holds no capability"
run_container userns-docker with_user_ns with_docker_caps
ok $? "user namespace, Docker's capabilities: the container ran"
is "$(rc_of userns-docker auto)" 0 "userns, Docker's capabilities: an auto build succeeds"
if [ $namespaces = yes ]; then
	like "$(section userns-docker features)" '--sandbox=auto uses: full' "userns, Docker's capabilities: auto is the full tier"
	is "$(section userns-docker auto-pid)" 1 "userns, Docker's capabilities: the builder is PID 1 of its own namespace"
	like "$(section userns-docker auto)" "uid 1000 1000" "userns, Docker's capabilities: as uid 1000 of a user namespace of its own"
	# Mapped to the container's root, uid 200000 outside: no kernel
	# sysctl is its to write, /proc of its own or not.
	is "$(section userns-docker auto-sysctl)" "EACCES" "userns, Docker's capabilities: the builder cannot open a kernel sysctl for writing"
else
	like "$(section userns-docker features)" '--sandbox=auto uses: chroot' "userns, Docker's capabilities: auto is the chroot tier"
	no_ns 2
fi

for f in "$work"/*.out; do
	grep -q '^@@end$' "$f" || { diag "$(basename "$f"):"; diag "$(tail -n 20 "$f")"; }
done
done_testing
