#!/bin/sh
# The IPC promises of the seed change (Nix 4bc89357): the builder cannot
# reach the host's SysV shared memory, message queues, semaphores or POSIX
# message queues, and what it creates dies with it.  Also: it cannot reach
# the host's abstract unix sockets (CVE-2024-27297 passed an fd out that
# way), which live in the network namespace.
. "${top_srcdir:-.}/tests/tap.sh"
require_full

key=$(( 0x4e5300 + $$ % 4096 ))
"$HELPER" ipc-remove "$key"
out=$("$HELPER" ipc-create "$key"); st=$?
ok $st "the host creates SysV shm, msg, sem and a POSIX mqueue with key $key"
host_view=$("$HELPER" ipc-check "$key" | tr '\n' ' ')
is "$host_view" "shm present msg present sem present mq present " "the host sees its objects (the test can fail)"

out=$(sbx -- ipc-check "$key" | tr '\n' ' ')
is "$out" "shm absent msg absent sem absent mq absent " "the builder sees none of the host's IPC objects"
"$HELPER" ipc-remove "$key"

# What a builder creates is not visible to the host, nor to the next build,
# and it is gone with the builder: its IPC namespace dies when it exits.
out=$(sbx -- ipc-create "$key"); st=$?
ok $st "a builder creates SysV and POSIX IPC objects"
is "$("$HELPER" ipc-check "$key" | tr '\n' ' ')" "shm absent msg absent sem absent mq absent " \
	"the host never sees them"
out=$(sbx -- ipc-check "$key" | tr '\n' ' ')
is "$out" "shm absent msg absent sem absent mq absent " "the next build does not see them: they died with the first"

# Abstract unix sockets.
name="nsbtest-$$"
"$HELPER" abstract-listen "$name" 10 >"$tap_tmp/abs" 2>&1 &
server=$!
wait_for 30 file_has "$tap_tmp/abs" listening
out=$(sbx -- abstract-connect "$name"); st=$?
is "$st" 1 "the builder cannot connect to the host's abstract socket @$name"
is "$out" "ECONNREFUSED" "the name does not exist in its network namespace"
out=$("$HELPER" abstract-connect "$name"); st=$?
ok $st "control: the host can connect to @$name"
wait $server

done_testing
