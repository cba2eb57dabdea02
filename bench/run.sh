#!/bin/sh
# make bench: nsbuild against bare fork+exec, unshare(1) and bubblewrap,
# and the library's own floor, scaling, throughput, log capture, memory and
# hygiene, in one table with the targets of the [bench] issue.  Installs
# nothing; says which optional peers it found.  Needs root (the full tier
# as root, the chroot tier).  BENCH_RUNS (default 200) sets the repetitions;
# CI runs a smoke version with few.
set -eu
runs=${BENCH_RUNS:-200}
small=$(( runs < 20 ? runs : 20 ))
top_builddir=${top_builddir:?}
nsbuild="$top_builddir/tools/.libs/nsbuild"
nsbench="$top_builddir/bench/nsbench"
helper="$top_builddir/tests/helpers/nsb-testhelper"
export LD_LIBRARY_PATH="$top_builddir/libstore/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (the full and chroot tiers as root)" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nsbench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "nsbuild benchmark, $(date -u +%Y-%m-%d), $runs runs each"
echo "machine: $(nproc) cores, kernel $(uname -r), $(unshare --version 2>/dev/null | head -n 1)"
bwrap=$(command -v bwrap || true)
if [ -n "$bwrap" ]; then echo "peer: $($bwrap --version)"; else echo "peer: bubblewrap not installed (apt-get install bubblewrap to compare)"; fi
busybox=$(command -v busybox || true)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
verdict() { awk -v v="$1" -v lim="$2" -v dir="$3" 'BEGIN { ok = dir == "<=" ? v <= lim : v >= lim; print ok ? "met" : "MISSED" }'; }

# 1. Start-up, interleaved.
set -- bare "/bin/true" \
	unshare "unshare -m -n -i -u -p -f /bin/true" \
	nsbuild-full "$nsbuild run --sandbox=full --host-tools -- /bin/true" \
	full-nocgroup "$nsbuild run --sandbox=full --host-tools --no-cgroup -- /bin/true" \
	nsbuild-off "$nsbuild run --sandbox=off -- /bin/true"
if [ -n "$busybox" ] && ldd "$busybox" 2>&1 | grep -q "not a dynamic executable"; then
	set -- "$@" nsbuild-chroot "$nsbuild run --sandbox=chroot --ro-bind $busybox:/t/true -- /t/true"
fi
if [ -n "$bwrap" ]; then
	bw="$bwrap --unshare-all --ro-bind /usr /usr"
	for d in bin sbin lib lib64; do
		if [ -L "/$d" ]; then bw="$bw --symlink $(readlink "/$d") /$d"; elif [ -d "/$d" ]; then bw="$bw --ro-bind /$d /$d"; fi
	done
	set -- "$@" bwrap "$bw --proc /proc --dev /dev --tmpfs /tmp /bin/true"
fi
"$nsbench" cmds "$runs" "$@" >"$tmp/startup"
"$nsbench" inproc "$runs" >"$tmp/inproc"
"$nsbench" floor "$runs" >"$tmp/floor"
get() { awk -v n="$1" '$1 == n { print $2 }' "$tmp/startup"; }
bare=$(get bare); uns=$(get unshare); full=$(get nsbuild-full); bwr=$(get bwrap)
echo
echo "1. start-up, builder /bin/true (ms: median p10 p90; ratio to bare exec, to bubblewrap)"
while read -r name med p10 p90; do
	printf '   %-16s %8s %8s %8s   x%-6s %s\n' "$name" "$med" "$p10" "$p90" "$(ratio "$med" "$bare")" \
		"${bwr:+x$(ratio "$med" "$bwr") of bwrap}"
done <"$tmp/startup"
read -r _ _ imed ip10 ip90 rss1 <"$tmp/inproc"
printf '   %-16s %8s %8s %8s   x%-6s %s\n' "library" "$imed" "$ip10" "$ip90" "$(ratio "$imed" "$bare")" \
	"${bwr:+x$(ratio "$imed" "$bwr") of bwrap}"
read -r _ fmed fp10 fp90 <"$tmp/floor"
printf '   %-16s %8s %8s %8s   x%-6s %s\n' "kernel-floor" "$fmed" "$fp10" "$fp90" "$(ratio "$fmed" "$bare")" \
	"${bwr:+x$(ratio "$fmed" "$bwr") of bwrap}"
# What no command can go below: being exec'd (bare) plus the kernel's part.
cmdfloor=$(awk -v a="$bare" -v b="$fmed" 'BEGIN { printf "%.3f", a + b }')
echo "   (library: in-process start and wait; kernel-floor: in-process clone into the five"
echo "    namespaces and exec of /bin/true, no mount, no loopback, no uid change; a command"
echo "    can go no lower than bare + kernel-floor = $cmdfloor ms${bwr:+, x$(ratio "$cmdfloor" "$bwr") of bwrap})"
[ -z "$bwr" ] || echo "   target: full <= 0.5 x bubblewrap: x$(ratio "$full" "$bwr") $(verdict "$(ratio "$full" "$bwr")" 0.5 "<=")"
echo "   target: full <= 1.2 x unshare -mniup -f: x$(ratio "$full" "$uns") $(verdict "$(ratio "$full" "$uns")" 1.2 "<=")"
# The build's cgroup (made, joined, killed, read and removed on every
# build): its cost per build, and the [limits] target of 10%.
nocg=$(get full-nocgroup)
echo "   cgroup: $(awk -v a="$full" -v b="$nocg" 'BEGIN { printf "%+.3f", a - b }') ms a build ($("$nsbuild" features --json |
	sed -n 's/.*"cgroup": { "works": \([a-z]*\).*/\1/p' | sed 's/true/a cgroup here/; s/false/no cgroup here/'))"
echo "   target: full <= 1.1 x full without a cgroup: x$(ratio "$full" "$nocg") $(verdict "$(ratio "$full" "$nocg")" 1.1 "<=")"
# The kernel's share of it: a cgroup made, cloned into, and removed around
# a bare exec, in our own v2 cgroup (where nsbuild makes its own).
cg2=$(awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2" && $4 == "/") { print $5; exit } break } }' \
	/proc/self/mountinfo)
own2=$(sed -n 's/^0:://p' /proc/self/cgroup)
if [ -n "$cg2" ] && [ -w "$cg2${own2%/}" ]; then
	"$nsbench" cgroup-floor "$runs" "$cg2${own2%/}" >"$tmp/cgfloor"
	read -r _ cgw cgwo <"$tmp/cgfloor"
	echo "   of which the kernel's: $(awk -v a="$cgw" -v b="$cgwo" 'BEGIN { printf "%+.3f", a - b }') ms" \
		"(mkdir, clone3 into it, exec, rmdir: $cgw against $cgwo ms)"
else
	echo "   of which the kernel's: not measured (no writable cgroup v2 directory of our own)"
fi
# What the builder's Landlock domain costs (every tier, where the kernel
# has it): the kernel's share, a fork and exec with and without entering
# one; nsbuild adds nothing but those two system calls.
"$nsbench" landlock-floor "$runs" >"$tmp/llfloor"
read -r _ llw llwo <"$tmp/llfloor"
if [ "$llw" = none ]; then
	echo "   Landlock: not measured (the kernel refuses a domain: $llwo)"
else
	echo "   Landlock: $(awk -v a="$llw" -v b="$llwo" 'BEGIN { printf "%+.3f", a - b }') ms a build" \
		"(fork, enter a domain with its scopes, exec: $llw against $llwo ms)"
fi

# 2. Scaling with inputs (setup + teardown, in-process).
echo
echo "2. inputs (setup + teardown in ms, median of $small; per input; peak RSS KiB)"
for n in 10 100 1000 10000; do
	"$nsbench" inproc "$small" "$n" >"$tmp/scale-$n"
	read -r _ _ med _ _ rss <"$tmp/scale-$n"
	printf '   %6d inputs %9s ms  %7s us/input  %6s KiB\n' "$n" "$med" \
		"$(awk -v m="$med" -v n="$n" 'BEGIN { printf "%.1f", m * 1000 / n }')" "$rss"
done
m1000=$(awk '{ print $3 }' "$tmp/scale-1000"); m10000=$(awk '{ print $3 }' "$tmp/scale-10000")
echo "   target: 10,000 inputs <= 250 ms: $m10000 ms $(verdict "$m10000" 250 "<=")"
lin=$(ratio "$m10000" "$(awk -v m="$m1000" 'BEGIN { print m * 10 }')")
echo "   target: within 1.5 x linear from 1,000: x$lin $(verdict "$lin" 1.5 "<=")"
echo "   (inputs are bound onto the private tmpfs root, not onto a host directory)"

# 3. Throughput.
echo
nb=$(( runs * 5 ))
tp=$("$nsbench" throughput "$nb" 8 | awk '{ print $4 }')
tt=$("$nsbench" threads "$nb" 8 | awk '{ print $4 }')
tf=$("$nsbench" floor-threads "$nb" 8 | awk '{ print $4 }')
echo "3. throughput: $nb builds of /bin/true, 8 in flight (builds/s)"
echo "   one event loop (nsb_build_fd + dispatch)   $tp"
echo "   8 threads, each start + wait               $tt"
echo "   kernel floor, 8 threads                    $tf"
echo "   target: >= 500 builds/s: event loop $(verdict "$tp" 500 ">="), threads $(verdict "$tt" 500 ">=")"

# 4. Log capture.  Each run starts with the page cache written back (sync
# outside the timing): otherwise whichever runs second is throttled while
# the first one's gigabyte is flushed.  Five rounds, alternating the
# order; medians.
bytes=$(( runs >= 200 ? 1073741824 : 67108864 ))
capture_cat() {
	sync; t0=$(date +%s.%N)
	"$helper" spew "$bytes" | cat >"$tmp/cat.out"
	t1=$(date +%s.%N); rm -f "$tmp/cat.out"
	awk -v b="$bytes" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.0f\n", b / 1048576 / (e - s) }' >>"$tmp/cat.rates"
}
capture_nsbuild() {
	sync; t0=$(date +%s.%N)
	"$nsbuild" run --sandbox=full --host-tools --ro-bind "$helper:/t/h" --log "$tmp/log.out" -- /t/h spew "$bytes"
	t1=$(date +%s.%N)
	[ "$(wc -c <"$tmp/log.out")" -eq "$bytes" ] || { echo "bench: the log lost bytes" >&2; exit 1; }
	rm -f "$tmp/log.out"
	awk -v b="$bytes" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.0f\n", b / 1048576 / (e - s) }' >>"$tmp/ns.rates"
}
for round in 1 2 3 4 5; do
	if [ $(( round % 2 )) -eq 1 ]; then capture_cat; capture_nsbuild; else capture_nsbuild; capture_cat; fi
done
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
catr=$(median "$tmp/cat.rates"); nsr=$(median "$tmp/ns.rates")
echo
echo "4. log capture of $(( bytes / 1048576 )) MiB (median of 5): nsbuild $nsr MB/s, cat through a pipe $catr MB/s: x$(ratio "$nsr" "$catr")"
echo "   target: >= 0.8 x cat: $(verdict "$(ratio "$nsr" "$catr")" 0.8 ">=")"

# 5. Memory.
echo
r1000=$(awk '{ print $6 }' "$tmp/scale-1000"); r10000=$(awk '{ print $6 }' "$tmp/scale-10000")
echo "5. peak RSS of the building process: 1 build, no input: $rss1 KiB; 1,000 inputs: $r1000 KiB; 10,000 inputs: $r10000 KiB"
echo "   target: <= 4 MiB at 1 input: $(verdict "$rss1" 4096 "<=")"

# 7. Derivation size: every per-build cost is linear in it.
echo
echo "7. a derivation of N environment variables: parse, configure, start (ms; per variable)"
for n in 10000 100000 1000000; do
	"$nsbench" envscale "$n" >"$tmp/env-$n"
	read -r _ _ ms <"$tmp/env-$n"
	printf '   %8d variables %9s ms  %6s us/variable\n' "$n" "$ms" "$(awk -v m="$ms" -v n="$n" 'BEGIN { printf "%.2f", m * 1000 / n }')"
done
e1=$(awk '{ print $3 }' "$tmp/env-10000"); e3=$(awk '{ print $3 }' "$tmp/env-1000000")
elin=$(ratio "$e3" "$(awk -v m="$e1" 'BEGIN { print m * 100 }')")
echo "   target: 1,000,000 within 1.5 x linear from 10,000: x$elin $(verdict "$elin" 1.5 "<=")"

# 8. The reference scan, in the NAR writer's pass with the hash.
echo
scan_mib=$(( runs >= 200 ? 1024 : 64 ))
if "$top_builddir/bench/nsbench-scan" "$scan_mib" 1000 >"$tmp/scan" 2>&1; then
	read -r _ _ hmb smb sratio rest <"$tmp/scan"
	echo "8. reference scan: $scan_mib MiB of /usr's files in 64 KiB pieces, 1,000 candidate hash parts (MB/s)"
	echo "   hash alone $hmb, hash and scan $smb: x$sratio $rest"
	echo "   target: hash and scan >= 0.5 x hash alone (the scan costs no more than the hash): $(verdict "$sratio" 0.5 ">=")"
else
	echo "8. reference scan: not measured ($(cat "$tmp/scan"))"
fi

# 6. Hygiene.
echo
mounts_before=$(cat /proc/self/mountinfo)
"$nsbench" hygiene $(( runs * 5 )) | sed 's/^/   /'
[ "$(cat /proc/self/mountinfo)" = "$mounts_before" ] && echo "   host mount table unchanged" || echo "   host mount table CHANGED"
left=$(ps -eo stat= | grep -c '^Z' || true)
echo "   zombies on the host: $left"
