#!/bin/sh
# The network promises of the seed change (Nix df716c98): the builder has a
# private loopback interface and nothing else; it can talk to itself, not
# to the host, and the host cannot talk to it; two builds can listen on the
# same port.
. "${top_srcdir:-.}/tests/tap.sh"
require_full

# A port for this run, away from the usual ones.
port=$(( 20000 + $$ % 20000 ))
hexport=$(printf '%04X' "$port")

# A kernel with tunnel drivers built in (CONFIG_IPV6_SIT=y, gre, ipip,
# ip6tnl...) adds their fallback devices to every new network namespace,
# down and unconfigured, unless net.core.fb_tunnels_only_for_init_net is
# set; they cannot be deleted.  Anything else is a leak.
fallback_tunnels="sit0 tunl0 gre0 gretap0 erspan0 ip_vti0 ip6_vti0 ip6tnl0 ip6gre0 ip6erspan0"
out=$(sbx -- ifaces); st=$?
ok $st "the builder can list its interfaces"
like "$out" "lo up" "the builder has lo, up"
others=$(printf '%s\n' "$out" | grep -v '^lo up$' | while read -r name state; do
	case " $fallback_tunnels " in *" $name "*) [ "$state" = down ] || echo "$name $state" ;; *) echo "$name $state" ;; esac
done)
extra=$(printf '%s\n' "$out" | grep -v '^lo up$' | tr '\n' ' ')
is "$others" "" "every other interface is a kernel's fallback tunnel device, down${extra:+ ($extra)}"

out=$("$NSBUILD" run --sandbox=full --host-tools -- /bin/cat /proc/net/dev); st=$?
ok $st "cat /proc/net/dev runs in the sandbox"
ifaces=$(printf '%s\n' "$out" | sed -n 's/^ *\([^ :]*\):.*/\1/p' | while read -r name; do
	case " lo $fallback_tunnels " in *" $name "*) ;; *) echo "$name" ;; esac
done)
is "$ifaces" "" "/proc/net/dev lists lo and no interface but the kernel's fallback tunnels"

out=$(sbx -- self-talk "$port" 0); st=$?
ok $st "the builder talks to itself over 127.0.0.1"
is "$out" "talked" "a byte went through its own loopback"

# A server on the host's loopback is out of reach.
"$HELPER" listen 127.0.0.1 "$port" 10 >"$tap_tmp/host-server" 2>&1 &
server=$!
wait_for 30 file_has "$tap_tmp/host-server" listening
is "$(head -n 1 "$tap_tmp/host-server")" "listening" "a server listens on the host's 127.0.0.1:$port"
out=$("$HELPER" connect 127.0.0.1 "$port"); st=$?
ok $st "the host itself can connect to it (the test can fail)"
# That connection used up the server's one accept; start another.
wait $server
"$HELPER" listen 127.0.0.1 "$port" 10 >"$tap_tmp/host-server" 2>&1 &
server=$!
wait_for 30 file_has "$tap_tmp/host-server" listening
out=$(sbx -- connect 127.0.0.1 "$port"); st=$?
is "$st" 1 "the builder cannot connect to the host's server"
is "$out" "ECONNREFUSED" "its own loopback has nothing on that port"
kill $server 2>/dev/null; wait $server 2>/dev/null

# Nor can it reach any other address: its routing table is empty.  (Read,
# not tried: a connection attempt to a non-loopback address must never
# leave this machine, even if the sandbox were broken.)
out=$("$NSBUILD" run --sandbox=full --host-tools -- /bin/cat /proc/net/route); st=$?
ok $st "the builder can read its routing table"
is "$(printf '%s\n' "$out" | sed 1d)" "" "the builder has no route at all"

# The host cannot connect in, and the port does not show in its netstat.
sbx -- listen 127.0.0.1 "$port" 3 >"$tap_tmp/inner" 2>&1 &
build=$!
wait_for 30 file_has "$tap_tmp/inner" listening
is "$(head -n 1 "$tap_tmp/inner")" "listening" "a builder listens on its 127.0.0.1:$port"
out=$("$HELPER" connect 127.0.0.1 "$port"); st=$?
is "$out" "ECONNREFUSED" "the host cannot connect to the builder's server"
if grep -q ":$hexport 00000000:0000 0A" /proc/net/tcp; then ok 1 "the port is not in the host's /proc/net/tcp"; else ok 0 "the port is not in the host's /proc/net/tcp"; fi
wait $build; st=$?
ok $st "the listening build ends by itself"
is "$(tail -n 1 "$tap_tmp/inner")" "timeout" "nobody reached the builder's server"

# Two concurrent builds listen on the same port without conflict.  First
# the control: on the host the second bind of a held port fails.
"$HELPER" self-talk "$port" 2 >"$tap_tmp/h1" 2>&1 &
h1=$!
wait_for 30 file_has "$tap_tmp/h1" talked
out=$("$HELPER" self-talk "$port" 0); st=$?
is "$out" "bind: EADDRINUSE" "control: on the host a second listener on one port conflicts"
wait $h1
sbx -- self-talk "$port" 2 >"$tap_tmp/b1" 2>&1 &
b1=$!
sbx -- self-talk "$port" 2 >"$tap_tmp/b2" 2>&1 &
b2=$!
wait $b1; st1=$?
wait $b2; st2=$?
ok $st1 "the first concurrent build listens on $port"
ok $st2 "the second concurrent build listens on $port too"
is "$(cat "$tap_tmp/b1") $(cat "$tap_tmp/b2")" "talked talked" "both talked to themselves"

done_testing
