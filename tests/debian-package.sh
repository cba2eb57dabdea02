#!/bin/sh
# A real third-party autotools package, built from its Debian source
# package in the full sandbox by `nsbuild build`: configure, make, make
# check, make install into the output.  Then the same source fetched by a
# fixed-output derivation, which may reach the network, and by an ordinary
# one, which fails cleanly because it cannot.
#
# It downloads from the Debian archive (apt-get source, with a private list
# directory so the host's apt state is untouched), so it runs only when
# asked: NSB_TEST_DEBIAN_PACKAGE=1 (tests/matrix.sh sets it in its default
# stage).  NSB_DEBIAN_PACKAGE names the source package (default hello).
. "${top_srcdir:-.}/tests/tap.sh"

[ "${NSB_TEST_DEBIAN_PACKAGE:-}" = 1 ] ||
	skip_all "downloads a Debian source package; set NSB_TEST_DEBIAN_PACKAGE=1 to run it (tests/matrix.sh does)"
require_full
command -v apt-get >/dev/null || skip_all "no apt-get: no Debian source package can be had here"
for t in cc make sha256sum tar bash; do
	command -v $t >/dev/null || skip_all "no $t on this host to build with"
done
pkg=${NSB_DEBIAN_PACKAGE:-hello}

# The archive this host already uses (its first deb line that is not the
# security archive), and its release.
. /etc/os-release
suite=${VERSION_CODENAME:-}
uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -n 's/^URIs: *\([^ ]*\).*/\1/p' | grep -v security | head -n 1)
[ -n "$uri" ] || uri=$(sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\) .*/\2/p' /etc/apt/sources.list 2>/dev/null | grep -v security | head -n 1)
[ -n "$uri" ] && [ -n "$suite" ] || skip_all "cannot tell which Debian archive and release this host uses"

apt="$tap_tmp/apt"
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/src"
echo "deb-src $uri $suite main" >"$apt/sources.list"
aptopts="-q -o Dir::Etc::SourceList=$apt/sources.list -o Dir::Etc::SourceParts=/dev/null
	-o Dir::State::Lists=$apt/lists -o Dir::Cache=$apt/cache -o Debug::NoLocking=1
	-o APT::Sandbox::User=$(id -un)"
# shellcheck disable=SC2086
if ! apt-get $aptopts update >"$apt/update.log" 2>&1; then
	skip_all "cannot fetch the source index from $uri ($(tail -n 1 "$apt/update.log"))"
fi
# shellcheck disable=SC2086
if ! (cd "$apt/src" && apt-get $aptopts source --download-only "$pkg") >"$apt/source.log" 2>&1; then
	skip_all "cannot download the source package $pkg from $uri ($(tail -n 1 "$apt/source.log"))"
fi
orig=$(ls "$apt/src/${pkg}_"*.orig.tar.* 2>/dev/null | head -n 1)
dsc=$(ls "$apt/src/${pkg}_"*.dsc 2>/dev/null | head -n 1)
[ -f "$orig" ] && [ -f "$dsc" ] || skip_all "the source package $pkg has no upstream tarball"
tarball=$(basename "$orig")
diag "building $tarball from $uri ($suite)"
# Its sha256, as the archive's signed .dsc states it.
want=$(sed -n "s/^ \([0-9a-f]\{64\}\) [0-9]* $tarball\$/\1/p" "$dsc" | head -n 1)
is "$(sha256sum "$orig" | cut -c1-64)" "$want" "the downloaded $tarball has the sha256 of its .dsc"

store="$tap_tmp/store"
mkdir -p "$store"
if is_root; then chmod 0755 "$tap_tmp"; fi
system=$(uname -m)-linux
q() { printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"; }
put() { # put NAME FILE: into the store; prints the path
	p="$store/$(sha256sum "$2" | cut -c1-32 | tr e z)-$1"
	[ -e "$p" ] || cp "$2" "$p"
	echo "$p"
}
drv() { # drv NAME BUILDER-FILE SRCS ENV [ALGO HASH]: prints the .drv path
	b=$(put "$1-builder.sh" "$2")
	out="$store/$(printf '%s %s %s %s' "$1" "$b" "$3" "$6" | sha256sum | cut -c1-32 | tr e z)-$1"
	printf 'Derive([("out",%s,%s,%s)],[],[%s%s],%s,"/bin/sh",[%s],[("PATH","/usr/bin:/bin"),("name",%s),("out",%s)%s])' \
		"$(q "$out")" "$(q "${5:-}")" "$(q "${6:-}")" "$(q "$b")" "${3:+,$3}" "$(q "$system")" "$(q "$b")" \
		"$(q "$1")" "$(q "$out")" "${4:+,$4}" >"$tap_tmp/drv"
	put "$1.drv" "$tap_tmp/drv"
}
outpath() { sed -n 's/^Derive(\[("out","\([^"]*\)".*/\1/p' "$1"; }

# ---- configure, make, make check, make install -------------------------
src=$(put "$tarball" "$orig")
cat >"$tap_tmp/build.sh" <<'EOS'
set -eu
echo "builder: unpacking $src"
tar xf "$src"
cd */
./configure --prefix="$out" --disable-nls
make -j"$NIX_BUILD_CORES"
make check
make install
EOS
d=$(drv "$pkg" "$tap_tmp/build.sh" "$(q "$src")" "(\"src\",$(q "$src"))")
o=$("$NSBUILD" build --store "$store" --host-tools --log "$tap_tmp/build.log" "$d" 2>"$tap_tmp/err"); st=$?
is "$st" 0 "$pkg: configure, make, make check and make install in the full sandbox"
[ $st -eq 0 ] || { diag "$(cat "$tap_tmp/err")"; tail -n 30 "$tap_tmp/build.log" | sed 's/^/# /'; }
like "$(cat "$tap_tmp/build.log")" "checking for gcc" "./configure ran"
grep -Eq '^(# PASS: +[1-9]|All [0-9]+ tests passed|PASS: )' "$tap_tmp/build.log"; ok $? "make check ran its tests and they passed"
if [ "$pkg" = hello ]; then
	is "$("$o/bin/hello" 2>&1)" "Hello, world!" "the installed program runs on the host"
fi
is "$(find "$o" ! -type l -perm /7222 | wc -l)" 0 "the installed tree is canonical: nothing writable, setuid or sticky"
is "$(find "$o" ! -newermt @2 | wc -l)" "$(find "$o" | wc -l)" "every file has mtime 1"

# ---- the same source fetched inside the sandbox -------------------------
case $uri in
http://*) ;;
*) skip "fetching over $uri needs HTTP for bash's /dev/tcp"; done_testing ;;
esac
hostport=${uri#http://}; path=/${hostport#*/}; hostport=${hostport%%/*}
host=${hostport%%:*}; port=80
case $hostport in *:*) port=${hostport#*:} ;; esac
dir=$(sed -n 's/^Directory: //p' "$dsc" 2>/dev/null)
[ -n "$dir" ] || dir=pool/main/$(printf '%s' "$pkg" | cut -c1)/$pkg
url_path="$path/$dir/$tarball"
cat >"$tap_tmp/fetch.sh" <<EOS
set -eu
echo "builder: fetching http://$host:$port$url_path"
exec /bin/bash -c '
	exec 3<>/dev/tcp/$host/$port
	printf "GET $url_path HTTP/1.1\r\nHost: $host\r\nConnection: close\r\n\r\n" >&3
	cat <&3 >/build/response
	len=\$(head -c 4096 /build/response | tr -d "\r" | sed -n "s/^[Cc]ontent-[Ll]ength: *//p")
	head -n 1 /build/response
	tail -c "\$len" /build/response >"\$out"'
EOS
if ! bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null; then
	skip "the host itself cannot connect to $host:$port, so fetching in the sandbox proves nothing"
	done_testing
fi

d=$(drv "$pkg-fetch" "$tap_tmp/fetch.sh" "" "" sha256 "$want")
o=$("$NSBUILD" build --store "$store" --host-tools "$d" 2>"$tap_tmp/err"); st=$?
is "$st" 0 "a fixed-output derivation downloads $tarball itself, over the host's network"
[ $st -eq 0 ] || diag "$(cat "$tap_tmp/err")"
is "$(sha256sum "$o" 2>/dev/null | cut -c1-64)" "$want" "and its output has the .dsc's sha256 (checked by nsbuild too)"

d=$(drv "$pkg-fetch-unfixed" "$tap_tmp/fetch.sh" "" "")
"$NSBUILD" build --store "$store" --host-tools "$d" >"$tap_tmp/out" 2>"$tap_tmp/err"; st=$?
ok $([ $st -ne 0 ] && [ $st -ne 125 ]; echo $?) "the same fetch in an ordinary derivation fails: the builder exits $st"
like "$(cat "$tap_tmp/err")" "/dev/tcp/$host/$port" "with the builder's own network error"
diag "$(grep -v '^builder:' "$tap_tmp/err" | head -n 2)"
[ ! -e "$(outpath "$d")" ] && [ ! -s "$tap_tmp/out" ]; ok $? "and cleanly: no output, no path printed"
is "$(find "$store" -maxdepth 1 -name '.nsbuild-*' | wc -l)" 0 "no scratch directory left in the store"
done_testing
