#!/bin/sh
# The command line: --help, --version, option errors and exit statuses.
. "${top_srcdir:-.}/tests/tap.sh"

out=$("$NSBUILD" --version); st=$?
ok $st "--version exits 0"
like "$out" "nsbuild " "--version names the program and version"
features=$(printf '%s\n' "$out" | tail -n 1)
for f in MOUNT_NS NET_NS IPC_NS UTS_NS PID_NS USER_NS CHROOT SECCOMP; do
	case " $features " in
	*" +$f "*|*" -$f "*) ok 0 "--version reports $f" ;;
	*) ok 1 "--version reports $f"; diag "feature line: $features" ;;
	esac
done

# The feature line agrees with what configure decided (config.h).
cfg="$top_builddir/config.h"
for f in MOUNT_NS NET_NS CHROOT; do
	if grep -q "^#define NSB_HAVE_$f 1" "$cfg"; then want="+$f"; else want="-$f"; fi
	like " $features " " $want " "--version matches config.h for $f"
done

# The filter's ABIs, "(untested)" where no kernel of the architecture has
# run its tests (the kernel matrix boots x86, arm, ppc64le, s390x, riscv64).
filter=$("$NSBUILD" --version | sed -n 's/^system-call filter: //p')
if grep -q "^#define NSB_HAVE_SECCOMP 1" "$cfg"; then
	is "$filter" "$(sed -n 's/^#define NSB_SECCOMP_ABIS "\(.*\)"$/\1/p' "$cfg")" "--version names the ABIs the filter covers: $filter"
	case $(uname -m) in
	x86_64|i?86|aarch64|armv7l|ppc64le|s390x|riscv64) unlike "$filter" "untested" "and here they are tested ones" ;;
	*) like "$filter" "untested" "and says this architecture is untested" ;;
	esac
else
	is "$filter" "none" "--version says there is no system-call filter"
	skip "no filter to be tested or not"
fi

out=$("$NSBUILD" --help); st=$?
ok $st "--help exits 0"
like "$out" "run [OPTIONS] -- PROGRAM" "--help shows the run synopsis"

out=$("$NSBUILD" run --help); st=$?
ok $st "run --help exits 0"
# util-linux style: usage() lists every option getopt_long accepts.
for opt in --sandbox --ro-bind --bind --dev-bind --input --output --host-tools --setenv \
	--timeout --max-silent-time --max-log-size --user --user-pool --hostname --system --store --cores \
	--tmpdir --journal-dir --log --keep-root --canonicalise --verbose --help; do
	like "$out" "$opt" "run --help lists $opt"
done
"$NSBUILD" run --journal-dir relative/dir -- /bin/true 2>"$tap_tmp/err"; st=$?
is "$st:$(cat "$tap_tmp/err")" "125:nsbuild: --journal-dir: 'relative/dir' must be an absolute, normal path" \
	"--journal-dir refuses a relative path"

"$NSBUILD" run --no-such-option -- /bin/true 2>"$tap_tmp/err"; st=$?
is "$st" 125 "an unknown option exits 125"
like "$(cat "$tap_tmp/err")" "Try 'nsbuild run --help'" "and points to --help"

"$NSBUILD" frobnicate 2>"$tap_tmp/err"; st=$?
is "$st" 125 "an unknown command exits 125"
like "$(cat "$tap_tmp/err")" "unknown command 'frobnicate'" "and names it"

"$NSBUILD" run 2>"$tap_tmp/err"; st=$?
is "$st" 125 "run without a program exits 125"

"$NSBUILD" run --sandbox=bogus -- /bin/true 2>"$tap_tmp/err"; st=$?
is "$st" 125 "--sandbox=bogus exits 125"
like "$(cat "$tap_tmp/err")" "'bogus' is not one of auto, full, chroot, off" "and lists the modes"

"$NSBUILD" run --ro-bind relative/path -- /bin/true 2>"$tap_tmp/err"; st=$?
is "$st" 125 "a relative bind source exits 125"
like "$(cat "$tap_tmp/err")" "must be absolute" "with a one-line reason"

"$NSBUILD" run --ro-bind /usr:/../escape -- /bin/true 2>"$tap_tmp/err"; st=$?
is "$st" 125 "a bind destination with .. is refused"

"$NSBUILD" run --user 0:0 -- /bin/true 2>"$tap_tmp/err"; st=$?
is "$st" 125 "--user 0:0 is refused"
like "$(cat "$tap_tmp/err")" "must not be root" "the builder never runs as root"

"$NSBUILD" run --timeout abc -- /bin/true 2>"$tap_tmp/err"; st=$?
is "$st" 125 "a non-numeric --timeout exits 125"

"$NSBUILD" run --max-log-size 10X -- /bin/true 2>"$tap_tmp/err"; st=$?
is "$st" 125 "a bad --max-log-size suffix exits 125"

"$NSBUILD" run --system vax-vms -- /bin/true 2>"$tap_tmp/err"; st=$?
is "$st" 125 "an unsupported --system exits 125"
like "$(cat "$tap_tmp/err")" "cannot run builds for 'vax-vms'" "and names the system"

"$NSBUILD" run --setenv NOVALUE -- /bin/true 2>"$tap_tmp/err"; st=$?
is "$st" 125 "--setenv without = exits 125"

"$NSBUILD" run --sandbox=off --log /nonexistent-dir/log -- /bin/true 2>"$tap_tmp/err"; st=$?
is "$st" 125 "an unwritable --log exits 125"
like "$(cat "$tap_tmp/err")" "cannot open log file /nonexistent-dir/log" "and names the file"

# nsbuild features: the table and its JSON.
out=$("$NSBUILD" features); st=$?
ok $st "features exits 0"
for cap in mount_ns net_ns ipc_ns uts_ns pid_ns user_ns user_ns_unprivileged loopback pivot_root chroot seccomp; do
	printf '%s\n' "$out" | grep -q "^$cap "; ok $? "features lists $cap"
done
like "$out" "--sandbox=auto uses: " "features names the tier auto uses"
if has_feature JSON; then
	json=$("$NSBUILD" features --json); st=$?
	ok $st "features --json exits 0"
	like "$json" '"schema": 1' "--json carries its schema version"
	like "$json" '"capabilities": [' "--json lists the capabilities"
	like "$json" '"tiers": [' "--json lists the tiers"
	if command -v python3 >/dev/null; then
		printf '%s' "$json" | python3 -c 'import json,sys; json.load(sys.stdin)'; ok $? "--json is valid JSON"
	else
		skip "python3 is not installed to validate the JSON"
	fi
else
	json=$("$NSBUILD" features --json 2>&1); st=$?
	is "$st" 125 "features --json without json-c: exit 125"
	like "$json" "features --json: this nsbuild was built without json-c (configure --with-jsonc" "saying why and how to get it"
fi
if grep -q '^#define NSB_TIER_FULL 1' "$cfg" && [ "${CI:-}" = true ] && [ "$(id -u)" -eq 0 ]; then
	like "$out" "--sandbox=auto uses: full" "on the CI machine, as root, auto uses the full tier"
fi
"$NSBUILD" features --bogus 2>/dev/null; is $? 125 "features rejects unknown options with 125"

done_testing
