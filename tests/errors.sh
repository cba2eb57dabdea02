#!/bin/sh
# Exit statuses and error messages: the builder's own status, 124 timed
# out, 125 nsbuild or the sandbox failed, 126 not executable, 127 not
# found, 128+N killed by signal N; every failure one clear line.
. "${top_srcdir:-.}/tests/tap.sh"
require_full
export TMPDIR="$tap_tmp/tmp"
mkdir -p "$TMPDIR"

out=$(sbx -- exit 0); is $? 0 "a successful builder exits 0"
out=$(sbx -- exit 42); is $? 42 "the builder's exit status is passed through"
out=$(sbx -- crash 2>"$tap_tmp/err"); st=$?
is "$st" 139 "a builder killed by SIGSEGV gives 128+11"
like "$(cat "$tap_tmp/err")" "killed by signal 11" "and says so"

err=$("$NSBUILD" run --sandbox=full -- /no/such/builder 2>&1); st=$?
is "$st" 127 "a missing builder exits 127"
is "$err" "nsbuild: cannot execute /no/such/builder: No such file or directory (is it inside the sandbox? bind it, or use --host-tools)" \
	"with one line naming it"

err=$("$NSBUILD" run --sandbox=full -- sh 2>&1); st=$?
is "$st" 127 "a bare name is looked up in the builder's PATH, which is unset"
like "$err" "PATH is /path-not-set" "and the message says why"
out=$("$NSBUILD" run --sandbox=full --host-tools --setenv PATH=/usr/bin -- sh -c 'echo found'); st=$?
is "$out" "found" "with PATH set a bare name is found"

err=$("$NSBUILD" run --sandbox=full --host-tools -- /etc/hosts 2>&1); st=$?
is "$st" 126 "a builder that is not executable exits 126"
like "$err" "cannot execute /etc/hosts: Permission denied" "with one line naming it"

err=$("$NSBUILD" run --sandbox=full --ro-bind /no/such/source:/x -- /bin/true 2>&1); st=$?
is "$st" 125 "a missing bind source exits 125"
is "$err" "nsbuild: cannot bind /no/such/source: No such file or directory" "naming the path"

err=$("$NSBUILD" run --sandbox=full --host-tools --ro-bind "$tap_tmp:/usr/nsb-test" -- /bin/true 2>&1); st=$?
is "$st" 125 "a bind below a read-only bind fails with 125"
like "$err" "cannot bind-mount $tap_tmp on /usr/nsb-test: Read-only file system" "naming the step, both paths and the errno"

err=$("$NSBUILD" run --sandbox=full --ro-bind /usr:/proc -- /bin/true 2>&1); st=$?
is "$st" 125 "binding over /proc is refused"
like "$err" "/proc is reserved" "with the reason"

err=$("$NSBUILD" run --sandbox=full --ro-bind /usr:/x --ro-bind /etc:/x -- /bin/true 2>&1); st=$?
is "$st" 125 "two binds to one destination are refused"
like "$err" "two binds for one destination: /x" "naming it"

is "$(ls -A "$TMPDIR")" "" "failed setups leave no build directory"

# Time and log limits.
marker="nsb-timeout-marker-$$"
start=$(date +%s)
err=$("$NSBUILD" run --sandbox=full --host-tools --ro-bind "$HELPER:/t/helper" --timeout 1 -- \
	/bin/sh -c "/t/helper daemon $marker; /t/helper sleep 30" 2>&1); st=$?
[ $(( $(date +%s) - start )) -lt 10 ]; ok $? "--timeout stops the build promptly"
is "$st" 124 "a timed-out build exits 124"
like "$err" "timed out after 1 seconds" "and says so"
left=
for f in /proc/[0-9]*/cmdline; do
	case $(tr '\0' ' ' <"$f" 2>/dev/null) in *"$marker"*) left="$left $f" ;; esac
done
is "$left" "" "nothing of a timed-out build keeps running"

err=$(sbx --max-silent-time 1 -- sleep 30 2>&1); st=$?
is "$st" 124 "a silent build is stopped after --max-silent-time with 124"
like "$err" "timed out after 1 seconds of silence" "and says so"

out=$(sbx --max-log-size 1000 --log "$tap_tmp/log" -- spew 100000 2>&1); st=$?
is "$st" 125 "a build writing more than --max-log-size is stopped with 125"
like "$out" "killed after writing more than 1000 bytes of log output" "and says so"
is "$(wc -c <"$tap_tmp/log")" "1000" "the log holds exactly the allowed bytes"

out=$(sbx --log "$tap_tmp/log2" -- spew 3000000); st=$?
ok $st "a large log is captured"
is "$(wc -c <"$tap_tmp/log2")" "3000000" "every byte of it reaches --log"

out=$(sbx -v -- exit 0 2>&1 >/dev/null)
like "$out" "nsbuild: bring up loopback interface" "-v reports each setup step"
like "$out" "nsbuild: bind-mount $HELPER on /t/helper" "-v names the binds"
like "$out" "nsbuild: execute /t/helper" "-v ends with the exec"

done_testing
