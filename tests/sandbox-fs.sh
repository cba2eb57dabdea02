#!/bin/sh
# The filesystem: only what is bound exists; inputs are read-only; outputs
# are created at their own path and moved into place; nothing is left
# behind on the host, not a mount and not a directory.  Run in the full
# tier, and by chroot-fs.sh in the chroot tier, where the tests that need
# a mount are reported as not applicable.
. "${top_srcdir:-.}/tests/tap.sh"
require_tier

export TMPDIR="$tap_tmp/tmp"
mkdir -p "$TMPDIR"
store="$tap_tmp/store"
mkdir -p "$store/aaa-input/sub"
echo data >"$store/aaa-input/sub/file"
# World-writable, so that only the read-only mount can stop a write.
chmod 666 "$store/aaa-input/sub/file"; chmod 777 "$store/aaa-input/sub"
ln -s aaa-input "$store/bbb-link"
ln -s /etc/shadow "$store/aaa-input/escape"
mountinfo_before=$(cat /proc/self/mountinfo)

run() { trun "$@"; }

# Only bound paths exist.
out=$(run -- /bin/sh -c 'for d in /home /root /var /opt /srv /boot /sys /mnt /run /media; do [ -e $d ] && echo $d; done; echo end')
is "$out" "end" "none of the host's unbound top-level directories exist"
out=$("$NSBUILD" run --sandbox="$TIER" --ro-bind "$HELPER:/t/helper" -- /t/helper fds 2>&1); st=$?
is "$st" 127 "without the host's tools even a dynamic program's loader is absent"
if in_chroot; then
	want="/bin /build /dev /etc /t /tmp"
else
	want="/build /dev /etc /proc /t /tmp /usr"
	# (/etc/alternatives comes with --host-tools; it is below /etc.)
	for d in bin sbin lib lib64 lib32 libx32; do [ -e "/$d" ] || [ -L "/$d" ] && want="$want /$d"; done
fi
want=$(printf '%s\n' $want | LC_ALL=C sort | tr '\n' ' ')
out=$(run -- /bin/sh -c 'echo /*' | tr ' ' '\n' | LC_ALL=C sort | tr '\n' ' ')
is "$out" "$want" "the root holds the skeleton, the host tools and the binds, nothing else"
if in_chroot; then
	out=$(run -- /bin/sh -c 'cd /dev && echo *')
	is "$out" "fd full null random stderr stdin stdout tty urandom zero" "/dev is minimal"
	na "a private devpts instance needs a mount"
else
	out=$(run -- /bin/sh -c 'cd /dev && echo *; echo pts: $(cd /dev/pts && echo *)')
	is "$out" "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero
pts: ptmx" "/dev is minimal and devpts is a private instance"
fi

# Inputs are read-only, at the same path; symlinks are recreated, never
# followed out.
out=$(run --input "$store/aaa-input" -- /bin/cat "$store/aaa-input/sub/file")
is "$out" "data" "an input is readable at its own path"
if in_chroot; then
	# Without mounts the input is copied (or linked where the build user
	# could not change it): even world-writable on the host, as here, it
	# is the build user's to read only.
	out=$(run --input "$store/aaa-input" -- /t/helper try-write "$store/aaa-input/sub/new")
	is "$out" "EACCES" "an input is read-only (EACCES)"
	out=$(run --input "$store/aaa-input" -- /t/helper try-write "$store/aaa-input/sub/file")
	is "$out" "EACCES" "an input's files are read-only too"
else
	out=$(run --input "$store/aaa-input" -- /t/helper try-write "$store/aaa-input/sub/new")
	is "$out" "EROFS" "an input is read-only (EROFS)"
	out=$(run --input "$store/aaa-input" -- /t/helper try-write "$store/aaa-input/sub/file")
	is "$out" "EROFS" "an input's files are read-only too"
fi
out=$(run --input "$store/aaa-input" -- /bin/cat "$store/aaa-input/escape" 2>&1)
like "$out" "No such file" "a symlink inside an input resolves inside the sandbox, not on the host"
out=$(run --input "$store/aaa-input" --input "$store/bbb-link" -- /bin/readlink "$store/bbb-link")
is "$out" "aaa-input" "a symlink input is recreated as the same symlink"
out=$(run --input "$store/aaa-input" -- /bin/sh -c "[ -e $store/bbb-link ] && echo visible || echo absent")
is "$out" "absent" "a store path that is not an input is absent"
out=$(run --ro-bind "$store/aaa-input:/elsewhere" -- /bin/cat /elsewhere/sub/file)
is "$out" "data" "--ro-bind SRC:DEST places SRC at DEST"

# Read-write binds write through to the host.
if in_chroot; then
	na "a read-write bind needs a mount"
else
	mkdir -p "$tap_tmp/rw"; chmod 777 "$tap_tmp/rw"
	out=$(run --bind "$tap_tmp/rw:/rw" -- /bin/sh -c 'echo written > /rw/f && echo ok')
	is "$(cat "$tap_tmp/rw/f" 2>/dev/null)" "written" "--bind is writable and reaches the host"
fi

# The builder cannot write outside /build, /tmp and its outputs.
out=$(run -- /t/helper try-write /etc/passwd)
is "$out" "EACCES" "/etc/passwd is not writable"
# In a user namespace the build user owns every file of the root (it made
# them); only the read-only root keeps it from making them writable.
out=$(run -- /bin/sh -c 'chmod 666 /etc/passwd 2>&1 && echo changed')
unlike "$out" "changed" "the build user cannot chmod /etc/passwd"
# The full tier's root is read-only (EROFS); the chroot's is root's (EACCES).
if in_chroot; then ro=EACCES; else ro=EROFS; fi
out=$(run -- /t/helper try-write /etc/new)
is "$out" "$ro" "/etc is not writable"
out=$(run -- /t/helper try-write /new)
is "$out" "$ro" "the root is not writable"
out=$(run -- /t/helper try-write /bin/new)
is "$out" "$ro" "the tools are not writable"
if in_chroot; then
	out=$(run -- /bin/sh -c '/t/helper try-write /tmp/f && /t/helper try-write /build/f')
	is "$out" "ok
ok" "/tmp and /build are writable"
	na "/dev/shm is a tmpfs mount"
else
	out=$(run -- /bin/sh -c '/t/helper try-write /tmp/f && /t/helper try-write /build/f && /t/helper try-write /dev/shm/f')
	is "$out" "ok
ok
ok" "/tmp, /build and /dev/shm are writable"
	# Each is a mount of the root's tmpfs of its own: what is written
	# there shows nowhere else, and nothing moves from there into the
	# read-only root.
	out=$(run -- /bin/sh -c '/t/helper try-write /tmp/f; /t/helper try-write /dev/shm/g; for p in /tmp/g /dev/shm/f /f /dev/f; do [ -e $p ] && echo "$p shared"; done; echo end' 2>&1)
	is "$out" "ok
ok
end" "what is written in /tmp or /dev/shm shows nowhere else"
	out=$(run -- /bin/sh -c '/t/helper try-write /tmp/f && /bin/mv /tmp/f /etc/f 2>/dev/null || echo refused')
	is "$out" "ok
refused" "a file in /tmp cannot be moved into the read-only root"
fi
out=$(run -- /bin/sh -c '/bin/stat -c "%a %U" /build; /bin/stat -c "%a" /tmp')
is "$out" "700 nixbld
1777" "/build belongs to the build user (0700), /tmp is 1777"

# While a build runs, its directory on the host sits in a root-only parent.
run -- /t/helper sleep 300 "nsb-fs-$$" &
b=$!
wait_for 30 dir_nonempty "$TMPDIR"
top=$(ls -d "$TMPDIR"/nsbuild-* 2>/dev/null | head -n 1)
is "$(stat -c '%a %U' "$top" 2>/dev/null)" "700 $(id -un)" "the build directory's parent on the host is 0700, the caller's alone"
bdir=$top/build
in_chroot && bdir=$top/root/build
owner=$(stat -c '%u' "$bdir" 2>/dev/null)
is "$(stat -c '%a' "$bdir" 2>/dev/null)" "700" "the build directory is 0700"
if is_root; then is_build_uid "$owner"; else [ "$owner" = "$(id -u)" ]; fi
ok $? "and belongs to the build user ($owner)"
# Anchored: the builder alone, not nsbuild, whose command line holds it too.
kill_cmdline KILL "/t/helper sleep 300 nsb-fs-$$"; wait $b

# Outputs.
out=$(run --output "$store/ccc-out" --setenv out="$store/ccc-out" -- /bin/sh -c 'mkdir $out && echo built > $out/result'); st=$?
ok $st "a build creates a directory output"
is "$(cat "$store/ccc-out/result" 2>/dev/null)" "built" "the output is in place afterwards"
out=$(run --output "$store/ddd-file" -- /bin/sh -c "echo single > $store/ddd-file"); st=$?
is "$(cat "$store/ddd-file" 2>/dev/null)" "single" "an output may be a single file"
out=$(run --input "$store/aaa-input" --output "$store/eee-out" -- /bin/sh -c "/bin/cp -r $store/aaa-input/sub $store/eee-out")
is "$(cat "$store/eee-out/file" 2>/dev/null)" "data" "inputs and outputs share the store directory"

err=$(run --output "$store/fff-missing" -- /bin/true 2>&1); st=$?
is "$st" 125 "a missing output fails the build with 125"
like "$err" "builder failed to produce output $store/fff-missing" "naming the output"

err=$(run --output "$store/ggg-partial" -- /bin/sh -c "mkdir $store/ggg-partial; echo half > $store/ggg-partial/x; exit 3" 2>&1); st=$?
is "$st" 3 "a failing builder's status is passed through"
[ -e "$store/ggg-partial" ]; is $? 1 "a failed build leaves no partial output"

echo mine >"$store/hhh-exists"
err=$(run --output "$store/hhh-exists" -- /bin/true 2>&1); st=$?
is "$st" 125 "an output that already exists is refused"
like "$err" "output $store/hhh-exists already exists" "with a message naming it"
is "$(cat "$store/hhh-exists")" "mine" "and the caller's file is untouched"

is "$(ls -A "$store" | grep -c '^\.nsbuild')" "0" "no scratch directory is left in the store"

# Nothing is left: no directory in TMPDIR, no mount on the host.
is "$(ls -A "$TMPDIR")" "" "every build directory is gone"
is "$(cat /proc/self/mountinfo)" "$mountinfo_before" "the host's mount table is what it was"

out=$(run --keep-root -- /bin/sh -c 'echo kept > /build/proof' 2>&1)
kept=$(printf '%s\n' "$out" | sed -n 's/^nsbuild: kept build directory //p')
is "$(cat "$kept/proof" 2>/dev/null)" "kept" "--keep-root keeps the build directory and prints it"
[ -n "$kept" ] && rm -rf "${kept%/build}" "${kept%/root/build}"

mkdir -p "$tap_tmp/othertmp"
out=$(run --tmpdir "$tap_tmp/othertmp" --keep-root -- /bin/true 2>&1)
like "$out" "kept build directory $tap_tmp/othertmp/nsbuild-" "--tmpdir chooses where the build directory is made"

# What a builder writes in /tmp and /dev/shm cannot fill the host's RAM:
# /tmp is on disk beside the build directory (as in Nix), the root tmpfs
# that holds /dev/shm has a bound (512M unless --tmpfs-size says).
if in_chroot; then
	out=$(run -- /bin/sh -c 'echo x >/tmp/f && echo ok' 2>&1)
	is "$out" ok "chroot: /tmp is writable (the chroot's, on disk)"
	na "the chroot tier has no tmpfs"
	na "the chroot tier has no tmpfs"
else
	out=$(run -- /bin/sh -c 'set -- $(stat -c %d /tmp /build); [ "$1" = "$2" ] && echo same' 2>&1)
	is "$out" same "full: /tmp is on the build directory's filesystem, not a tmpfs"
	out=$(run -- /bin/sh -c 'set -- $(df -k /dev/shm | tail -n 1); echo $2' 2>&1)
	is "$out" $((512 * 1024)) "full: /dev/shm (the root tmpfs) is 512 MiB by default"
	out=$(run --tmpfs-size 16M -- /bin/sh -c 'dd if=/dev/zero of=/dev/shm/f bs=1048576 count=32 2>/dev/null; [ $? = 0 ]; echo $?;
		set -- $(du -k /dev/shm/f); [ "$1" -le 16384 ] && [ "$1" -ge 15360 ] && echo bounded' 2>&1)
	is "$(echo $out)" "1 bounded" "full: --tmpfs-size 16M bounds /dev/shm at 16 MiB"
fi

done_testing
