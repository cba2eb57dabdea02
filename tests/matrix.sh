#!/bin/sh
# The whole test suite, in every configuration CI builds (README's second
# command).  Each configuration is built out of tree under _matrix/ so they
# do not collide:
#   1. default              make check (with the Debian source package build);
#                           tiers full, chroot, off; SHA-256 from nettle
#   2. --disable-namespaces --with-crypto=no --disable-seccomp
#                           make check; tiers chroot, off; no mount calls;
#                           fixed-output derivations refused
#   3. a libc without unshare() and headers without CLONE_NEWNET, simulated
#      through configure's cache variables: make check; tiers chroot, off
#   4. clang --with-crypto=openssl: make check
#   5. clang with AddressSanitizer and UndefinedBehaviorSanitizer: make check
#   6. libFuzzer: the derivation parser and the JSON reader fuzzed for
#      FUZZ_SECONDS (default 60) each
#   7. cppcheck over the sources
#   8. the kernel matrix (tests/kernels/run.sh): the default build in QEMU
#      guests of Debian's kernels and of kernels without each feature (the
#      kernels built and fetched in the background from the start)
#   9. make distcheck (which runs make installcheck: examples/embed built
#      against the installed library with pkg-config)
# Every build uses --enable-werror.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
jobs=$(nproc 2>/dev/null || echo 2)
matrix="$top/_matrix"
rm -rf "$matrix"
mkdir -p "$matrix"
total_pass=0 total_fail=0 total_skip=0

say() { printf '\n=== %s\n' "$*"; }
fail() { printf 'matrix: FAILED: %s\n' "$*" >&2; exit 1; }

[ -x configure ] || ./bootstrap

# The kernel matrix's kernels take long to build and little of the test
# suites' time is CPU (they wait on sandboxes and sleeps): built in the
# background, at the lowest priority, from the start (in a session of
# their own, ended with the matrix if it fails first).
NSB_CROSS_DIR="$matrix/cross"; export NSB_CROSS_DIR
nice -n 19 setsid sh tests/kernels/run.sh --prepare >"$matrix/kernels-prepare.out" 2>&1 &
prepare_pid=$!
trap 'pkill -TERM -s "$prepare_pid" 2>/dev/null || true' EXIT

# build NAME CONFIGURE-ARGS...: configure, make and make check in _matrix/NAME.
build() {
	name=$1; shift
	say "$name: configure $*"
	mkdir -p "$matrix/$name"
	cd "$matrix/$name"
	"$top/configure" --enable-werror "$@" >configure.out 2>&1 || { cat configure.out; fail "$name: configure"; }
	sed -n '/^nsbuild .* configuration$/,$p' configure.out
	make -j"$jobs" >make.out 2>&1 || { cat make.out; fail "$name: make"; }
	if grep -E 'warning:' make.out; then fail "$name: compiler warnings"; fi
	make -j"$jobs" check >check.out 2>&1 || { cat check.out; cat test-suite.log 2>/dev/null; fail "$name: make check"; }
	sed -n '/^# TOTAL/,/^# ERROR/p' check.out
	total_pass=$((total_pass + $(sed -n 's/^# PASS: *//p' check.out)))
	total_fail=$((total_fail + $(sed -n 's/^# FAIL: *//p' check.out) + $(sed -n 's/^# ERROR: *//p' check.out)))
	total_skip=$((total_skip + $(sed -n 's/^# SKIP: *//p' check.out)))
	# Skips must say why: list them.
	grep -hE '^(ok [0-9]+ # SKIP|1\.\.0 # SKIP)' tests/*.log 2>/dev/null | sed 's/^/  skipped: /' | sort | uniq -c || true
	cd "$top"
}

# expect NAME TIERS VERSION-WORDS...: the configure summary and --version
# say what this configuration must contain.
expect() {
	name=$1 tiers=$2; shift 2
	grep -qx "  tiers: $tiers" "$matrix/$name/configure.out" || fail "$name: expected 'tiers: $tiers'"
	features=$("$matrix/$name/tools/nsbuild" --version | tail -n 1)
	for w; do
		case " $features " in *" $w "*) ;; *) fail "$name: --version lacks $w ($features)";; esac
	done
	echo "$name: tiers $tiers; --version: $features"
}

# no_namespace_calls NAME: the fallback build references none of them.
no_namespace_calls() {
	lib="$matrix/$1/libstore/.libs/libnsbuild.so"
	bin="$matrix/$1/tools/.libs/nsbuild"
	refs=$(nm -D "$lib" "$bin" | grep -wE 'U (unshare|mount|umount2?|pivot_root|setns|open_tree|move_mount|mount_setattr|sethostname|setdomainname)' || true)
	[ -z "$refs" ] || fail "$1: the fallback build references namespace calls: $refs"
	echo "$1: nm finds no unshare, mount, umount2, pivot_root, setns or new mount API"
}

NSB_TEST_DEBIAN_PACKAGE=1; export NSB_TEST_DEBIAN_PACKAGE
build default
unset NSB_TEST_DEBIAN_PACKAGE
expect default "full, chroot, off" +MOUNT_NS +NET_NS +IPC_NS +UTS_NS +PID_NS +CHROOT +SHA256 +LIBCAP +JSON
grep -E '^(ok|not ok|1\.\.0)' "$matrix/default/tests/debian-package.log" | sed -n '1p;$p'
nm -D "$matrix/default/libstore/.libs/libnsbuild.so" | grep -qw 'U mount' || fail "default: the full tier does not reference mount()"

# What a packager gets from make install DESTDIR=...
say "default: install layout and exported ABI"
dest="$matrix/destdir"
make -C "$matrix/default" install DESTDIR="$dest" >/dev/null 2>&1 || fail "make install DESTDIR"
for f in bin/nsbuild include/nsbuild.h lib/libnsbuild.so lib/pkgconfig/nsbuild.pc share/man/man1/nsbuild.1 share/man/man3/nsbuild.3; do
	[ -e "$dest/usr/local/$f" ] || fail "make install did not install $f"
done
stray=$(nm -D --defined-only "$dest/usr/local/lib/libnsbuild.so" | awk '{print $3}' | grep -v -e '^nsb_' -e '^NSBUILD_' || true)
[ -z "$stray" ] || fail "libnsbuild exports more than nsb_*: $stray"
echo "default: DESTDIR layout bin, include, lib, lib/pkgconfig, share/man; exports only nsb_* ($(nm -D --defined-only "$dest/usr/local/lib/libnsbuild.so" | grep -c ' nsb_') symbols)"
# The pkg-config file: every variable substituted, and a program links
# with the flags it gives, --static's included (a static library is not
# built by default; its private libraries must still exist).
pc="$dest/usr/local/lib/pkgconfig/nsbuild.pc"
! grep -n '@[A-Za-z_]*@' "$pc" || fail "nsbuild.pc has unsubstituted variables"
flags=$(PKG_CONFIG_SYSROOT_DIR="$dest" PKG_CONFIG_LIBDIR="$dest/usr/local/lib/pkgconfig" pkg-config --static --cflags --libs nsbuild) ||
	fail "pkg-config --static --cflags --libs nsbuild"
printf '#include <nsbuild.h>\nint main(void) { return nsb_version()[0] == 0; }\n' >"$matrix/pc-link.c"
# shellcheck disable=SC2086 # the flags are words
cc -Wl,--no-as-needed -o "$matrix/pc-link" "$matrix/pc-link.c" $flags || fail "a program does not link with nsbuild.pc's flags ($flags)"
LD_LIBRARY_PATH="$dest/usr/local/lib" "$matrix/pc-link" || fail "the program linked with nsbuild.pc's flags fails"
echo "default: nsbuild.pc fully substituted; a program links with its --static flags: $flags"

# The benchmark runs (a smoke run: its numbers are not judged).
say "default: make bench (smoke)"
BENCH_RUNS=5 make -C "$matrix/default" bench >"$matrix/default/bench.out" 2>&1 || { cat "$matrix/default/bench.out"; fail "make bench"; }
grep -E '^(1|2|3|4|5)\.|target' "$matrix/default/bench.out"

build no-namespaces --disable-namespaces --with-crypto=no --disable-seccomp --disable-landlock --with-libcap=no --with-jsonc=no
expect no-namespaces "chroot, off" -MOUNT_NS -NET_NS -IPC_NS -UTS_NS -PID_NS +CHROOT -SECCOMP -LANDLOCK -SHA256 -LIBCAP -JSON
no_namespace_calls no-namespaces

build simulated-libc ac_cv_func_unshare=no ac_cv_have_decl_CLONE_NEWNET=no
expect simulated-libc "chroot, off" -MOUNT_NS -NET_NS +CHROOT
grep -q '^/\* #undef HAVE_UNSHARE \*/' "$matrix/simulated-libc/config.h" || fail "simulated-libc: HAVE_UNSHARE is set"
grep -q '^#define HAVE_DECL_CLONE_NEWNET 0' "$matrix/simulated-libc/config.h" || fail "simulated-libc: CLONE_NEWNET is declared"
no_namespace_calls simulated-libc

if command -v clang >/dev/null; then
	build clang CC=clang --with-crypto=openssl
	expect clang "full, chroot, off" +MOUNT_NS +NET_NS +SHA256
	grep -q '^#define NSB_CRYPTO_OPENSSL 1' "$matrix/clang/config.h" || fail "clang: not built with libcrypto"

else
	fail "clang is not installed (.ci/install-deps installs it)"
fi

if command -v clang >/dev/null; then
	san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
	build sanitize CC=clang "CFLAGS=-O1 -g $san" "LDFLAGS=$san"
	if grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$matrix"/sanitize/tests/*.log; then
		fail "sanitize: a sanitizer reported an error"
	fi
	echo "sanitize: no sanitizer report"

	# The derivation parser under libFuzzer, from the committed corpus.
	say "fuzz: tests/fuzz/fuzz-drv for ${FUZZ_SECONDS:-60} s"
	mkdir -p "$matrix/fuzz/corpus"
	cd "$matrix/fuzz"
	"$top/configure" --enable-werror --enable-fuzzing CC=clang "CFLAGS=-O1 -g $san" "LDFLAGS=$san" \
		>configure.out 2>&1 || { cat configure.out; fail "fuzz: configure"; }
	make -j"$jobs" tests/fuzz/fuzz-drv >make.out 2>&1 || { cat make.out; fail "fuzz: make"; }
	cp "$top"/tests/fuzz/corpus/drv/* corpus/
	tests/fuzz/fuzz-drv -max_total_time="${FUZZ_SECONDS:-60}" -max_len=4096 -print_final_stats=1 \
		-dict="$top/tests/fuzz/drv.dict" -artifact_prefix="$matrix/fuzz/" corpus >fuzz.out 2>&1 ||
		{ tail -n 40 fuzz.out; fail "fuzz: the fuzzer found a crash (see $matrix/fuzz/)"; }
	grep -E '^stat::number_of_executed_units|^Done' fuzz.out || true
	# The JSON reader of structured attributes, the same way.
	say "fuzz: tests/fuzz/fuzz-json for ${FUZZ_SECONDS:-60} s"
	make -j"$jobs" tests/fuzz/fuzz-json >make-json.out 2>&1 || { cat make-json.out; fail "fuzz: make fuzz-json"; }
	mkdir -p json-corpus
	cp "$top"/tests/fuzz/corpus/json/* json-corpus/
	tests/fuzz/fuzz-json -max_total_time="${FUZZ_SECONDS:-60}" -max_len=4096 -print_final_stats=1 \
		-dict="$top/tests/fuzz/json.dict" -artifact_prefix="$matrix/fuzz/json-" json-corpus >fuzz-json.out 2>&1 ||
		{ tail -n 40 fuzz-json.out; fail "fuzz: the fuzzer found a crash in the JSON reader (see $matrix/fuzz/)"; }
	grep -E '^stat::number_of_executed_units|^Done' fuzz-json.out || true
	cd "$top"
fi

say "cppcheck"
if command -v cppcheck >/dev/null; then
	cppcheck -q --error-exitcode=1 --enable=warning,style,performance,portability --std=c11 \
		--inline-suppr --suppress=missingIncludeSystem -D__linux__ \
		--suppress=preprocessorErrorDirective:libstore/seccomp-arch.h \
		-I libstore -I . -I "$matrix/default" libstore tools compat tests bench examples || fail "cppcheck found problems"
	echo "cppcheck: clean"
else
	fail "cppcheck is not installed (.ci/install-deps installs it)"
fi

# Real other kernels: Debian's own and ones built without each feature,
# booted under QEMU with the default build inside (cached kernels outside
# the work tree: a later run on the same machine reuses them).
say "kernels: the kernel matrix under QEMU (make check-kernels)"
# The kernels were built (and Debian's fetched) in the background since
# the start; what failed there fails here again, with its message.
wait "$prepare_pid" || echo "kernels: preparing in the background failed; trying again (see $matrix/kernels-prepare.out)"
make -C "$matrix/default" check-kernels >"$matrix/kernels.out" 2>&1 || { cat "$matrix/kernels.out"; fail "kernels"; }
grep -E 'the guest ran every|^1\.\.' "$matrix/kernels.out"
total_pass=$((total_pass + $(grep -c '^ok [0-9]* -' "$matrix/kernels.out")))
total_skip=$((total_skip + $(grep -c '^ok [0-9]* # SKIP' "$matrix/kernels.out")))
grep -E '^ok [0-9]+ # SKIP' "$matrix/kernels.out" | sed 's/^ok [0-9]* # SKIP [^:]*: /  skipped: /' | sort | uniq -c || true

say "distcheck"
cd "$matrix/default"
make -j"$jobs" distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror >distcheck.out 2>&1 || { tail -n 60 distcheck.out; fail "make distcheck"; }
grep -E '^installcheck: (realise uses|.*says)' distcheck.out || fail "distcheck: installcheck did not run the embedding example"
grep -A3 'archives ready for distribution' distcheck.out
cd "$top"

say "summary"
echo "matrix: default, kernels, no-namespaces, simulated-libc, clang, sanitize, fuzz, cppcheck and distcheck all passed"
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
