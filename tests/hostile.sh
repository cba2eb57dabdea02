#!/bin/sh
# What a hostile builder tries, tier by tier, as root and as an ordinary
# user: reading the caller's keys and leaving some for the next build,
# outliving nsbuild when it is killed, trees deeper and wider than any walk
# expects, writing through the chroot tier's read-only inputs, IPC objects
# that outlive the build, setuid files handed out by `run --output`, and
# escape sequences for the user's terminal.  Run in the full tier, and by
# chroot-hostile.sh in the chroot tier; the off tier's tests run with the
# full tier's.
. "${top_srcdir:-.}/tests/tap.sh"
require_tier

export TMPDIR="$tap_tmp/tmp"
mkdir -p "$TMPDIR"
store="$tap_tmp/store"
mkdir -p "$store"
if is_root; then chmod 0755 "$tap_tmp"; fi
full_run() { ! in_chroot; }

# The suite's tier, with the helper at /t/helper and tools in PATH, as a
# word list for the commands that must be nsbuild itself (for $! or exec).
if in_chroot; then
	tier_opts="--sandbox=chroot --ro-bind $tools:/bin --ro-bind $STATIC_HELPER:/t/helper --setenv PATH=/bin"
else
	tier_opts="--sandbox=full --host-tools --ro-bind $HELPER:/t/helper --setenv PATH=/usr/bin:/bin"
fi
# nsb [nsbuild run options] -- COMMAND: the tier's nsbuild run, as a word list.
nsb() { "$NSBUILD" run $tier_opts "$@"; }

leftovers() { find "$store" -maxdepth 1 -name '.nsbuild-*' | wc -l; }

# ---- 1. kernel keyrings ---------------------------------------------------
# The off tier has no binds: its builder runs the helper from the host, at a
# path the build user can reach.
mkdir -p "$tap_tmp/t" && cp "$HELPER" "$tap_tmp/t/helper"
# th: the helper as the builder of this command line sees it.
th() { case " $* " in *" --sandbox=off "*) echo "$tap_tmp/t/helper" ;; *) echo /t/helper ;; esac; }

# keyring_checks TIER-NAME OPTIONS...: the builder neither sees the caller's
# session keyring nor finds what an earlier build of the same user left in
# any keyring (session, user, user-session, persistent).
keyring_checks() {
	name=$1; shift
	h=$(th "$@")
	out=$("$HELPER" keys-session "$@" -- "$h" keys-find caller-secret 2>&1)
	is "$(printf '%s\n' "$out" | grep -c found)" 0 "$name: the builder does not see the caller's session keyring"
	[ -z "$(printf '%s\n' "$out" | grep found)" ] || diag "$out"
	key="nsb-key-$$-$name"
	out=$("$@" -- "$h" keys-add "$key" 2>&1)
	# With the system-call filter the keyring calls fail (ENOSYS); without
	# one the builder has a session keyring of its own to add to.
	case $out in
	*"session ENOSYS"*) is "$(printf '%s\n' "$out" | grep -vc ENOSYS)" 0 "$name: the filter refuses every keyring call (ENOSYS)" ;;
	*) like "$out" "session ok" "$name: a builder adds keys to its keyrings" ;;
	esac
	out=$("$@" -- "$h" keys-find "$key" 2>&1)
	is "$(printf '%s\n' "$out" | grep -c found)" 0 "$name: the next build of the same user finds none of them"
	[ -z "$(printf '%s\n' "$out" | grep found)" ] || diag "$out"
	out=$("$HELPER" keys-find "$key" 2>&1)
	is "$(printf '%s\n' "$out" | grep '^session' )" "session absent" "$name: nor does the caller's session keyring"
}
# As root fixed uids outside the default pool (so both builds are one
# user), and apart for each tier's run of this suite, which may run at once.
if in_chroot; then uid_base=31010; else uid_base=31000; fi
if is_root; then same_user="--user $((uid_base + 1)):30000"; else same_user=; fi
keyring_checks "$TIER" "$NSBUILD" run $tier_opts $same_user
if full_run; then
	if is_root; then
		keyring_checks off "$NSBUILD" run --sandbox=off --setenv PATH=/usr/bin:/bin --user $((uid_base + 2)):30000
	else
		# The off tier runs as the caller: its user keyrings are the
		# caller's, as its files and processes are (nsbuild(1)).
		out=$("$HELPER" keys-session "$NSBUILD" run --sandbox=off -- "$HELPER" keys-find caller-secret 2>&1)
		is "$(printf '%s\n' "$out" | grep '^session')" "session absent" "off: the builder does not see the caller's session keyring"
	fi
fi

# ---- 2. nsbuild killed ---------------------------------------------------
# killed_checks NAME SIGNAL OPTIONS...: a build leaves a daemon behind and
# sleeps; nsbuild dies of SIGNAL; every process of the build dies, and the
# next run removes what the killed one left on disk and says so.
killed_checks() {
	name=$1 sig=$2; shift 2
	# A journal of this test's own: no other run finds what it leaves.
	journal="$tap_tmp/journal"
	mark="nsb-killed-$$-$name-$sig"
	out="$store/$mark"
	h=$(th "$@")
	# The builder tries to clear its parent-death signal (as PID 1 of the
	# full tier, that alone would keep the build alive).
	"$NSBUILD" run "$@" --journal-dir "$journal" --output "$out" -- /bin/sh -c "$h daemon $mark; exec $h nopdeath 300 $mark" \
		>"$tap_tmp/killed.out" 2>&1 &
	pid=$!
	if ! wait_for 20 some_with "nopdeath 300 $mark"; then
		ok 1 "$name: a build with a daemon starts"; diag "$(cat "$tap_tmp/killed.out")"
		kill -KILL $pid 2>/dev/null
		return
	fi
	sup=$(cat /proc/$pid/task/$pid/children 2>/dev/null)
	kill -"$sig" $pid
	wait $pid 2>/dev/null
	wait_for 20 none_with "$mark"; ok $? "$name: when nsbuild dies of SIG$sig, every process of the build dies"
	left=$(procs_with "$mark"); [ -z "$left" ] || kill -KILL $left 2>/dev/null
	# The supervisor holds the run's record until it has killed them all:
	# a run starting before it is gone rightly leaves the record alone.
	for s in $sup; do wait_for 20 gone "$s"; done
	err=$("$NSBUILD" run --journal-dir "$journal" --sandbox=off -- /bin/true 2>&1)
	like "$err" "of an earlier run (pid $pid) that was killed, removed" "$name: the next run removes what it left on disk, and says so"
	is "$(ls -A "$TMPDIR")" "" "$name: no build directory is left"
	[ -e "$out" ] || [ -L "$out" ]; is $? 1 "$name: no output is left"
	is "$(leftovers)" 0 "$name: nor any scratch directory"
}
killed_checks "$TIER" KILL $tier_opts
killed_checks "$TIER" USR1 $tier_opts
if full_run; then
	killed_checks off KILL --sandbox=off --setenv PATH=/usr/bin:/bin
fi

# Without a sandbox the build user writes where the host's users do: what
# it leaves at the top of /tmp, /var/tmp and /dev/shm goes with the build;
# what is not its own stays.
if full_run && is_root; then
	mark="nsb-tmpleft-$$"
	echo root >"/tmp/$mark-root"
	dirs="/tmp /var/tmp /dev/shm"
	[ "$(stat -c %a /run/lock 2>/dev/null)" = 1777 ] && dirs="$dirs /run/lock"
	"$NSBUILD" run --sandbox=off --setenv PATH=/usr/bin:/bin -- /bin/sh -c "
		for d in $dirs; do echo x >\$d/$mark-file; mkdir -p \$d/$mark-dir/sub; echo y >\$d/$mark-dir/sub/f; chmod 0 \$d/$mark-dir/sub; done" >/dev/null 2>&1
	st=$?
	is "$st $(for d in $dirs; do ls -d $d/$mark* 2>/dev/null; done | tr '\n' ' ')" "0 /tmp/$mark-root " \
		"off: what the build user left in $dirs is gone, what is not its own is not"
	rm -f "/tmp/$mark-root"
	# A uid the caller chose may be a real user's: its files are its own.
	"$NSBUILD" run --sandbox=off --user $((uid_base + 5)):30000 --setenv PATH=/usr/bin:/bin -- /bin/sh -c "echo x >/tmp/$mark-chosen" >/dev/null 2>&1
	[ -e "/tmp/$mark-chosen" ]; ok $? "but not what a uid given with --user left"
	rm -f "/tmp/$mark-chosen"
fi

# An off-tier build makes its output in place; killed, it leaves that for
# the next run to remove, but only while the build user still owns it:
# what another run has built there since stays.
if full_run && is_root; then
	mark="nsb-inplace-$$"
	out="$store/$mark"
	"$NSBUILD" run --sandbox=off --journal-dir "$tap_tmp/journal" --output "$out" -- \
		/bin/sh -c "mkdir $out; exec $tap_tmp/t/helper sleep 300 $mark" >/dev/null 2>&1 &
	pid=$!
	wait_for 20 some_with "sleep 300 $mark"
	sup=$(cat /proc/$pid/task/$pid/children 2>/dev/null)
	kill -KILL $pid; wait $pid 2>/dev/null
	wait_for 20 none_with "sleep 300 $mark"
	for s in $sup; do wait_for 20 gone "$s"; done
	rm -rf "$out"; mkdir "$out"; echo built >"$out/file"
	err=$("$NSBUILD" run --journal-dir "$tap_tmp/journal" --sandbox=off -- /bin/true 2>&1)
	is "$(cat "$out/file" 2>/dev/null)" "built" "a killed off-tier run's output path, rebuilt since by another, is not removed"
	like "$err" "unfinished output $out of an earlier run (pid $pid) that was killed is owned by uid 0, not by its build user" "and the next run says why"
	rm -rf "$out"
fi

# The journal: a record of each running build in the default place, gone
# after it; a journal directory others may write is not used.
if is_root; then jdir=/run/nsbuild/runs
elif [ -n "${XDG_RUNTIME_DIR:-}" ]; then jdir="$XDG_RUNTIME_DIR/nsbuild-runs"
elif [ -n "${XDG_STATE_HOME:-}" ]; then jdir="$XDG_STATE_HOME/nsbuild/runs"
elif [ -d "${HOME:-/nonexistent}" ] && [ "$(stat -c %u "$HOME")" = "$(id -u)" ]; then jdir="$HOME/.local/state/nsbuild/runs"
else jdir="$TMPDIR/.nsbuild-runs-$(id -u)"; fi
if full_run; then
	mark="nsb-journal-$$"
	"$NSBUILD" run $tier_opts -- /t/helper sleep 300 "$mark" >/dev/null 2>&1 &
	pid=$!
	wait_for 20 some_with "sleep 300 $mark"
	top=$(ls -d "$TMPDIR"/nsbuild-* 2>/dev/null | head -n 1)
	cat "$jdir"/run-* 2>/dev/null | tr "\0" "\n" | grep -qxF "$top"; ok $? "while a build runs, a record in $jdir names its build directory"
	kill -TERM $pid; wait $pid 2>/dev/null
	cat "$jdir"/run-* 2>/dev/null | tr "\0" "\n" | grep -qxF "$top"; is $? 1 "and it is gone when the build ends"
	mkdir -p "$tap_tmp/open-journal"; chmod 0777 "$tap_tmp/open-journal"
	err=$("$NSBUILD" run --journal-dir "$tap_tmp/open-journal" $tier_opts -- /t/helper exit 0 2>&1); st=$?
	like "$st $err" "0 nsbuild: warning: cannot keep a journal of this run in $tap_tmp/open-journal: it is not the caller's alone" \
		"a journal directory others may write is not used, with a warning"
	# One others may read (a store's state directory, 0755) is used.
	mkdir -p "$tap_tmp/read-journal"; chmod 0755 "$tap_tmp/read-journal"
	err=$("$NSBUILD" run --journal-dir "$tap_tmp/read-journal" $tier_opts -- /t/helper exit 0 2>&1); st=$?
	is "$st $err" "0 " "a journal directory others may only read is used"
	ln -s "$tap_tmp/read-journal" "$tap_tmp/link-journal"
	err=$("$NSBUILD" run --journal-dir "$tap_tmp/link-journal" $tier_opts -- /t/helper exit 0 2>&1)
	like "$err" "cannot keep a journal of this run in $tap_tmp/link-journal: it is a symbolic link" "a symlink to one is named as such"
	# An ordinary user without XDG_RUNTIME_DIR: the XDG state directory
	# in its home, not a shared /tmp where another user can take the name.
	if ! is_root; then
		mkdir -p "$tap_tmp/home"
		mark="nsb-statejournal-$$"
		env -u XDG_RUNTIME_DIR -u XDG_STATE_HOME HOME="$tap_tmp/home" "$NSBUILD" run $tier_opts -- /t/helper sleep 300 "$mark" >/dev/null 2>&1 &
		pid=$!
		wait_for 20 some_with "sleep 300 $mark"
		ls "$tap_tmp/home/.local/state/nsbuild/runs" 2>/dev/null | grep -q '^run-'
		ok $? "without XDG_RUNTIME_DIR an ordinary user's journal is in ~/.local/state/nsbuild/runs"
		kill -TERM $pid; wait $pid 2>/dev/null
	fi
fi

# No build starts under a uid whose processes are alive: nsbuild and the
# supervisor of a chroot or off build both killed, the builder's daemon
# lives on; the next build of that user kills it before it starts.
if is_root && { in_chroot || full_run; }; then
	if in_chroot; then uopts=$tier_opts; else uopts="--sandbox=off --setenv PATH=/usr/bin:/bin"; fi
	mark="nsb-uidreuse-$$"
	h=$(th $uopts)
	# A journal of its own: its record is no other suite's to sweep.
	uopts="$uopts --journal-dir $tap_tmp/journal"
	"$NSBUILD" run $uopts --user $((uid_base + 3)):30000 -- /bin/sh -c "$h daemon $mark; $h sleep 300" >/dev/null 2>&1 &
	pid=$!
	wait_for 20 some_with "nsb-testhelper sleep 60 $mark"
	# nsbuild stopped first, so that it cannot see its supervisor die and
	# end the build itself; then the supervisor, then nsbuild.
	kill -STOP $pid
	kill -KILL $(cat /proc/$pid/task/$pid/children 2>/dev/null)
	kill -KILL $pid
	wait $pid 2>/dev/null
	"$HELPER" sleep 0.5
	daemon=$(procs_with "nsb-testhelper sleep 60 $mark")
	[ -n "$daemon" ]; ok $? "with nsbuild and its supervisor killed, the builder's daemon survives"
	# Checked from here while the next build runs (before its own end
	# could kill it): the chroot tier has no /proc to tell a zombie by.
	next="nsb-uidnext-$$"
	"$NSBUILD" run $uopts --user $((uid_base + 3)):30000 -- "$h" sleep 60 "$next" >/dev/null 2>&1 &
	npid=$!
	wait_for 20 some_with "sleep 60 $next"
	gone "${daemon:-0}"; ok $? "the next build of that user finds it dead when it starts"
	kill -TERM $npid; wait $npid 2>/dev/null
	left=$(procs_with "$mark"); [ -z "$left" ] || kill -KILL $left 2>/dev/null
fi

# What a builder of its supervisor's uid (an ordinary user's off tier)
# may try against the supervisor: supervisor.sh.

# ---- 3. deep and wide trees ----------------------------------------------
depth=50000 width=100000
# On a tmpfs where there is one: ext4 takes ten seconds to make a chain of
# 50,000 directories, a tmpfs a quarter of one; the walks are the same.
if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] && fast=$(mktemp -d /dev/shm/nsb-test.XXXXXX 2>/dev/null); then
	trap 'chmod -R u+w "$tap_tmp" "$fast" 2>/dev/null; rm -rf "$tap_tmp" "$fast"' EXIT
	chmod 0755 "$fast"
	store_saved=$store TMPDIR_saved=$TMPDIR
	store="$fast/store" TMPDIR="$fast/tmp"
	mkdir -p "$store" "$TMPDIR"
fi
system=$(uname -m)-linux
# A derivation whose builder is the helper: drv NAME ARGS-ATERM [ALGO HASH]
drv() {
	p="$store/$(printf '%s %s' "$1" "$3$4" | sha256sum | cut -c1-32 | tr e z)-$1"
	printf 'Derive([("out","%s","%s","%s")],[],[],"%s","/t/helper",[%s],[("out","%s")])' \
		"$p" "${3:-}" "${4:-}" "$system" "$(printf "$2" "$p")" "$p" >"$store/$(basename "$p").drv"
	echo "$store/$(basename "$p").drv"
}
if in_chroot; then bopts="--sandbox=chroot --sandbox-path /t/helper=$STATIC_HELPER";
else bopts="--sandbox=full --host-tools --sandbox-path /t/helper=$HELPER"; fi
if command -v sha256sum >/dev/null && "$NSBUILD" --version | grep -q -- '+SHA256'; then
	d=$(drv deepfod '"deep-tree","%s","'$depth'","0"' r:sha256 0000000000000000000000000000000000000000000000000000000000000000)
	"$NSBUILD" build --store "$store" $bopts "$d" >/dev/null 2>"$tap_tmp/err"; st=$?
	like "$st $(cat "$tap_tmp/err")" "125 nsbuild: hash mismatch in fixed output" "a fixed output $depth directories deep: checked, without a crash"
	is "$(leftovers) $(ls -A "$TMPDIR")" "0 " "nothing of it is left in the store or TMPDIR"
	hash=$(sed -n 's/.*got sha256:\([0-9a-f]*\) .*/\1/p' "$tap_tmp/err")
	d=$(drv deepfod '"deep-tree","%s","'$depth'","0"' r:sha256 "$hash")
	o=$("$NSBUILD" build --store "$store" $bopts "$d" 2>"$tap_tmp/err"); st=$?
	is "$st" 0 "with its hash it builds"
	[ $st -eq 0 ] || diag "$(cat "$tap_tmp/err")"
	is "$("$HELPER" deep-stat "$o" $depth)" "444 1" "its bottom file is canonical, $depth directories down"
else
	for i in 1 2 3 4; do skip "fixed outputs need sha256sum and a SHA-256 library in nsbuild"; done
fi
d=$(drv deepout '"deep-tree","%s","'$depth'","0"')
o=$("$NSBUILD" build --store "$store" $bopts "$d" 2>"$tap_tmp/err"); st=$?
is "$st" 0 "an output $depth directories deep builds"
[ $st -eq 0 ] || diag "$(cat "$tap_tmp/err")"
is "$("$HELPER" deep-stat "$o" $depth)" "444 1" "and is canonical down to its bottom"
is "$(leftovers) $(ls -A "$TMPDIR")" "0 " "nothing is left in the store or TMPDIR"

out=$(nsb -- /t/helper deep-tree /build/deep $depth 67108864 2>&1); st=$?
is "$st" 0 "a builder leaves /build $depth directories deep with 64 MiB at the bottom"
is "$(ls -A "$TMPDIR")" "" "all of it is removed"
out=$(nsb --output "$store/deep-failed" -- /bin/sh -c "/t/helper deep-tree /build/deep $depth 0; /t/helper deep-tree $store/deep-failed $depth 0; exit 3" 2>&1); st=$?
is "$st" 3 "a failing build with a deep output and build directory: its status"
is "$(leftovers) $(ls -A "$TMPDIR")" "0 " "nothing of it is left"
[ -e "$store/deep-failed" ]; is $? 1 "no output"
out=$(nsb --output "$store/wide" -- /bin/sh -c "/t/helper wide-dir /build/wide $width && /t/helper wide-dir $store/wide $width" 2>&1); st=$?
is "$st" 0 "a build with $width entries in one directory of /build and of its output"
is "$(ls "$store/wide" 2>/dev/null | wc -l)" "$width" "the output holds them all"
is "$(ls -A "$TMPDIR")" "" "and the build directory is gone"
chmod -R u+w "$store/wide" 2>/dev/null; rm -rf "$store/wide"
if [ -n "${store_saved:-}" ]; then
	chmod -R u+w "$store" 2>/dev/null; rm -rf "$store" "$TMPDIR"
	store=$store_saved TMPDIR=$TMPDIR_saved
fi

# ---- 4. the chroot tier's read-only inputs --------------------------------
if in_chroot; then
	in="$tap_tmp/input"
	mkdir -p "$in/dir"
	echo host >"$in/world"; chmod 666 "$in/world"
	echo host >"$in/group"; chgrp 30000 "$in/group"; chmod 664 "$in/group"
	echo host >"$in/own"; chown $((uid_base + 4)) "$in/own"; chmod 644 "$in/own"
	echo host >"$in/dir/file"; chmod 777 "$in/dir"
	out=$(nsb --user $((uid_base + 4)):30000 --ro-bind "$in:/in" -- /bin/sh -c '
		for f in world group own dir/file; do echo pwned >/in/$f; done
		chmod 666 /in/own; echo new >/in/dir/new; ls -ln /in' 2>&1)
	is "$(cat "$in/world" "$in/group" "$in/own" "$in/dir/file" | tr '\n' ' ')" "host host host host " \
		"a builder writes to none of the host's files: world- or group-writable, or its own"
	is "$(stat -c %a "$in/own"):$(ls "$in/dir" | tr '\n' ' ')" "644:file " "nor changes their modes, nor adds to a directory"
	out=$(nsb --user $((uid_base + 4)):30000 --ro-bind "$in:/in" -- /t/helper try-write /in/world 2>/dev/null)
	is "$out" "EACCES" "its copies are read-only to it"
	# Device nodes and setuid files in an input: the full tier binds them
	# nodev and nosuid; the chroot tier's copy must give no more (no node
	# the builder can open, no setuid inode shared with the host).
	mkdir -p "$tap_tmp/input2"
	mknod "$tap_tmp/input2/null" c 1 3 && chmod 644 "$tap_tmp/input2/null"
	cp "$STATIC_HELPER" "$tap_tmp/input2/suid" && chmod 4755 "$tap_tmp/input2/suid"
	out=$(nsb --ro-bind "$tap_tmp/input2:/in" -- /bin/sh -c '
		if (: </in/null) 2>/dev/null; then echo node-opens; else echo node-refused; fi
		set -- $(ls -l /in/suid); echo "$1"' 2>/dev/null)
	is "$(echo $out)" "node-refused -rwxr-xr-x" "an input's device node does not open, its setuid file is no setuid file, in the chroot"
	f=$("$NSBUILD" features)
	like "$f" "no network, IPC, UTS or PID isolation" "features says what the chroot tier does not isolate"
fi

# ---- 5. IPC objects after chroot and off builds, as root -------------------
ipc_checks() {
	name=$1 key=$2; shift 2
	out=$("$@" -- "$(th "$@")" ipc-create "$key" 2>&1)
	is "$out" "created" "$name: a builder creates SysV and POSIX IPC objects"
	out=$("$HELPER" ipc-check "$key" | tr '\n' ' ')
	if "$NSBUILD" --version | grep -q -- '-MOUNT_NS' && ! grep -q ' /dev/mqueue mqueue ' /proc/mounts; then
		is "$(printf '%s' "$out" | sed 's/mq [a-z]* //')" "shm absent msg absent sem absent " "$name: none of its SysV objects outlive the build"
		skip "$name: POSIX message queues: no /dev/mqueue, and no mount namespace compiled in to mount one"
	else
		is "$out" "shm absent msg absent sem absent mq absent " "$name: none of them outlives the build"
	fi
	"$HELPER" ipc-remove "$key"
}
# Killed: the next run removes what the build user left, even when it
# takes another uid (the killed run's is then free for nobody to clean).
killed_ipc_checks() {
	name=$1 key=$2; shift 2
	journal="$tap_tmp/journal-ipc-$name"
	mark="nsb-killed-ipc-$$-$name"
	h=$(th "$@")
	# Build users of its own per tier: hostile.sh and chroot-hostile.sh
	# run side by side (make -j check).
	case $name in chroot) u1=45013 u2=45014 ;; *) u1=45011 u2=45012 ;; esac
	"$@" --user-pool $u1:1 --journal-dir "$journal" -- /bin/sh -c \
		"$h ipc-create $key >/dev/null && echo x >/tmp/$mark && echo x >/dev/shm/$mark; exec $h sleep 300 $mark" \
		>"$tap_tmp/killed-ipc.out" 2>&1 &
	pid=$!
	if ! wait_for 20 some_with "sleep 300 $mark"; then
		ok 1 "$name, killed: the build starts"; diag "$(cat "$tap_tmp/killed-ipc.out")"
		kill -KILL $pid 2>/dev/null
		return
	fi
	kill -KILL $pid
	wait $pid 2>/dev/null
	wait_for 20 none_with "$mark"
	out=$("$NSBUILD" run --sandbox=off --user-pool $u2:1 --journal-dir "$journal" -- /bin/true 2>&1)
	like "$out" "processes, IPC objects and temporary files of build user $u1 of an earlier run (pid $pid) that was killed, removed" \
		"$name, nsbuild killed: the next run (another build user) cleans up after the killed run's, and says so"
	out=$("$HELPER" ipc-check "$key" | tr '\n' ' ')
	if "$NSBUILD" --version | grep -q -- '-MOUNT_NS' && ! grep -q ' /dev/mqueue mqueue ' /proc/mounts; then
		is "$(printf '%s' "$out" | sed 's/mq [a-z]* //')" "shm absent msg absent sem absent " \
			"$name, nsbuild killed: none of its SysV IPC objects is left (POSIX queues: no /dev/mqueue, no mount namespace)"
	else
		is "$out" "shm absent msg absent sem absent mq absent " "$name, nsbuild killed: none of its IPC objects is left"
	fi
	if ! in_chroot; then
		[ -e "/tmp/$mark" ] || [ -e "/dev/shm/$mark" ]
		is $? 1 "$name, nsbuild killed: none of its files in /tmp and /dev/shm is left"
	fi
	"$HELPER" ipc-remove "$key"
	rm -f "/tmp/$mark" "/dev/shm/$mark"
}
if is_root && in_chroot; then
	ipc_checks chroot $((0x4e5300 + $$ % 256)) "$NSBUILD" run $tier_opts
	killed_ipc_checks chroot $((0x4e5500 + $$ % 256)) "$NSBUILD" run $tier_opts
elif is_root; then
	ipc_checks off $((0x4e5400 + $$ % 256)) "$NSBUILD" run --sandbox=off
	killed_ipc_checks off $((0x4e5600 + $$ % 256)) "$NSBUILD" run --sandbox=off
fi

# ---- 6. without user namespaces, an ordinary user -------------------------
if full_run && is_root && [ -x "${NOKERNEL:-}" ]; then
	u="$tap_tmp/u1000"; mkdir -p "$u"; chown 1000:1000 "$u"
	f=$("$NOKERNEL" userns-limit -- env TMPDIR="$u" "$NSBUILD" features 2>&1)
	case $f in
	*"nsb-nokernel:"*) skip "cannot make a user namespace with user.max_user_namespaces 0 here: $f"; skip "(the same)"; skip "(the same)" ;;
	*)
		like "$f" "user_ns                yes       no     ENOSPC: namespace limit reached (user.max_user_namespaces = 0)" \
			"without user namespaces an ordinary user's features say why"
		mark="nsb-nouserns-$$"
		err=$("$NOKERNEL" userns-limit -- env TMPDIR="$u" "$NSBUILD" run -- "$tap_tmp/t/helper" daemon "$mark" 2>&1 >/dev/null)
		like "$err" "user_ns [ENOSPC: namespace limit reached (user.max_user_namespaces = 0); to enable: sysctl -w user.max_user_namespaces=10000]" \
			"auto's warning names the user namespace limit that refused"
		wait_for 20 none_with "$mark"; ok $? "and nothing the builder started survives the off tier"
		left=$(procs_with "$mark"); [ -z "$left" ] || kill -KILL $left 2>/dev/null
		;;
	esac
fi
# An ordinary user on a kernel without PID and network namespaces: auto
# still builds through a user namespace, with what is left (mount, IPC and
# UTS namespaces) and a supervisor in place of the PID namespace.  (Found
# on a real kernel built without them: the supervisor, made undumpable
# before its child had written the child's uid_map, left that file to
# root, and auto fell silently to the off tier.)
if full_run && ! is_root && [ -x "${NOKERNEL:-}" ] && [ ! -x "${STATIC_HELPER:-}" ]; then
	# A sanitizer's build links nothing statically, and its helper needs
	# the /proc that a build without a PID namespace does not have.
	skip "no statically linked helper (a sanitizer's build): the other needs /proc"
	skip "no statically linked helper (a sanitizer's build): the other needs /proc"
elif full_run && ! is_root && [ -x "${NOKERNEL:-}" ]; then
	out=$("$NOKERNEL" no-pid-netns -- "$NSBUILD" run --ro-bind "$STATIC_HELPER:/t/helper" -- /t/helper hostname \
		2>"$tap_tmp/err"); st=$?
	is "$st $out" "0 localhost (none)" "no PID or network namespace: an ordinary user's build keeps the others (its own host name)"
	like "$(cat "$tap_tmp/err")" "using the full sandbox without net_ns [EINVAL" "and says what it lacks"
fi
# In the off tier, as any user: the build's cgroup, or without one the
# supervisor and, as root, the sweep of the build user, ends every process.
if full_run; then
	for cg in "" --no-cgroup; do
		for what in daemon hopper; do
			mark="nsb-off-$what-$$"
			"$NSBUILD" run --sandbox=off $cg -- "$tap_tmp/t/helper" $what "$mark" >/dev/null 2>&1
			wait_for 20 none_with "$mark"; ok $? "off${cg:+ $cg}: a $what the builder leaves dies with the build"
			left=$(procs_with "$mark"); [ -z "$left" ] || kill -KILL $left 2>/dev/null
		done
	done
fi

# ---- 7. what `run --output` hands back ------------------------------------
# output_checks NAME OPTIONS...: the builder makes a setuid file (by open,
# which no filter sees), world-writable ones and a sticky directory.  (In
# the off tier the build user makes it in place: a directory open to it.)
offstore="$tap_tmp/offstore"
mkdir -p "$offstore"; chmod 1777 "$offstore"
output_checks() {
	name=$1; shift
	case " $* " in *" --sandbox=off "*) ostore=$offstore ;; *) ostore=$store ;; esac
	o="$ostore/modes-$name"
	h=$(th "$@")
	out=$("$@" --output "$o" -- "$h" make-modes "$o" 2>&1); st=$?
	like "$st $out" "0 made, suid 6755" "$name: a builder makes a setuid file and writable ones in its output"
	is "$(find "$o" -perm /7022 | wc -l)" 0 "$name: run hands back none with setuid, setgid, sticky, group- or world-write bits"
	is "$(stat -c '%u:%g' "$o" "$o/suid" "$o/ww" "$o/sticky" | sort -u)" "$(id -u):$(id -g)" "$name: all of it the caller's"
	is "$(stat -c %a "$o/suid" "$o/ww" | tr '\n' ' ')" "755 644 " "$name: other mode bits kept"
	o="$ostore/canon-$name"
	"$@" --canonicalise --output "$o" -- "$h" make-modes "$o" >/dev/null 2>&1
	is "$(stat -c '%a %Y' "$o" "$o/suid" "$o/ww" | tr '\n' ' ')" "555 1 555 1 444 1 " "$name: --canonicalise makes it as a store keeps it"
}
output_checks "$TIER" "$NSBUILD" run $tier_opts
if full_run; then
	output_checks off "$NSBUILD" run --sandbox=off
fi

# ---- 9. the log on a terminal ---------------------------------------------
if full_run; then
	if command -v script >/dev/null && script -qec true /dev/null </dev/null >/dev/null 2>&1; then
		out=$(script -qec "$NSBUILD run $tier_opts -- /t/helper escapes" /dev/null </dev/null | od -An -c | tr -s ' \n' ' ')
		like "$out" "033 [ 3 1 m r e d 033 [ 0 m" "on a terminal, colour passes"
		for seq in "033 ] 0 ;" "033 ] 5 2" "033 [ 2 J" "033 [ 1 ; 1 H" "033 P" "302 233" "\\r n s b u i l d"; do
			unlike "$out" "$seq" "on a terminal, '$seq' is dropped"
		done
		like "$out" "o v e r n s b u i l d :" "a carriage return does not write over a line"
		like "$out" "c a f 303 251 e n d" "text and UTF-8 pass"
		"$NSBUILD" run $tier_opts --log "$tap_tmp/log" -- /t/helper escapes
		"$HELPER" escapes >"$tap_tmp/want"
		cmp -s "$tap_tmp/log" "$tap_tmp/want"; ok $? "a log written to a file stays byte-exact"
		"$NSBUILD" run $tier_opts -- /t/helper escapes | cmp -s - "$tap_tmp/want"; ok $? "and so does one to a pipe"
		out=$(script -qec "$NSBUILD run $tier_opts -- /bin/sh -c 'printf partial; exit 3'" /dev/null </dev/null | tr -d '\r')
		like "$out" "partial
nsbuild: builder failed with exit status 3" "what nsbuild says after the build starts on a line of its own"
	else
		skip "script(1) cannot make a terminal here"
	fi
fi

is "$(ls -A "$TMPDIR")" "" "no build directory is left by any of it"
done_testing
