#!/bin/sh
# The plain chroot tier: the same root layout as the full tier made without
# a mount, the build user, no capability, no_new_privs, outputs moved into
# place and nothing left behind.  It runs in every configuration, the
# --disable-namespaces one included, where it is the only sandbox.
. "${top_srcdir:-.}/tests/tap.sh"

case $("$NSBUILD" --version | tail -n 1) in
*-CHROOT*) skip_all "the chroot tier is not compiled into this build" ;;
esac
[ "$(id -u)" -eq 0 ] || skip_all "chroot needs root here"
[ -x "$STATIC_HELPER" ] || skip_all "no statically linked helper (static linking is not available)"

export TMPDIR="$tap_tmp/tmp"
mkdir -p "$TMPDIR"
store="$tap_tmp/store"
mkdir -p "$store/aaa-input/sub"
echo data >"$store/aaa-input/sub/file"
ln -s aaa-input "$store/bbb-link"
mountinfo_before=$(cat /proc/self/mountinfo)

crun() { "$NSBUILD" run --sandbox=chroot --ro-bind "$STATIC_HELPER:/t/helper" "$@"; }

out=$(crun -- /t/helper creds); st=$?
like "$out" "uid 30001 30001" "the builder runs as the build user"
like "$out" "gid 30000 30000" "and its group"
like "$out" "groups
" "with no supplementary group"
out=$(crun -- /t/helper try-write /build/x)
is "$out" "ok" "/build is writable"
out=$(crun -- /t/helper try-write /tmp/x)
is "$out" "ok" "/tmp is writable"
out=$(crun -- /t/helper try-write /etc/passwd)
is "$out" "EACCES" "/etc/passwd is not writable"
out=$(crun -- /t/helper try-write /x)
is "$out" "EACCES" "the root is not writable"
out=$(crun -- /t/helper try-write /dev/null)
is "$out" "ok" "/dev/null is a working device node"
out=$(crun -- /t/helper try-write /proc/x)
is "$out" "ENOENT" "there is no /proc (this tier claims none)"

out=$(crun --input "$store/aaa-input" -- /t/helper try-write "$store/aaa-input/sub/new")
is "$out" "EACCES" "an input directory is not writable by the build user"
out=$(crun --input "$store/aaa-input" -- /t/helper try-write "$store/aaa-input/sub/file")
is "$out" "EACCES" "nor are its files"
out=$(crun --input "$store/aaa-input" --input "$store/bbb-link" -- /t/helper try-write "$store/bbb-link/sub/file")
is "$out" "EACCES" "a symlink input is recreated and resolves inside the root"
is "$(cat "$store/aaa-input/sub/file")" "data" "the input on the host is untouched"

err=$("$NSBUILD" run --sandbox=chroot --bind "$tap_tmp:/rw" -- /t/helper exit 0 2>&1); st=$?
is "$st" 125 "a read-write bind is refused in the chroot tier"
like "$err" "cannot bind $tap_tmp read-write in the chroot sandbox" "with the reason"

out=$(crun --output "$store/ccc-out" -- /t/helper try-write "$store/ccc-out"); st=$?
ok $st "a build creates its output"
[ -f "$store/ccc-out" ]; ok $? "the output is moved into place"
err=$(crun --output "$store/ddd-missing" -- /t/helper exit 0 2>&1); st=$?
is "$st" 125 "a missing output fails the build"
like "$err" "builder failed to produce output $store/ddd-missing" "naming it"
err=$(crun --output "$store/eee-failed" -- /t/helper exit 3 2>&1); st=$?
is "$st" 3 "the builder's status is passed through"
[ -e "$store/eee-failed" ]; is $? 1 "a failed build leaves no output"

err=$(crun --timeout 1 -- /t/helper sleep 30 2>&1); st=$?
is "$st" 124 "--timeout works in the chroot tier"
err=$(crun -- /t/helper crash 2>&1); st=$?
is "$st" 139 "a crash gives 128+11"
err=$("$NSBUILD" run --sandbox=chroot -- /no/such/builder 2>&1); st=$?
is "$st" 127 "a missing builder gives 127"

is "$(ls -A "$TMPDIR")" "" "every chroot root is removed"
is "$(ls -A "$store" | grep -c '^\.nsbuild')" "0" "no scratch directory is left in the store"
is "$(cat /proc/self/mountinfo)" "$mountinfo_before" "the host's mount table is untouched"
done_testing
