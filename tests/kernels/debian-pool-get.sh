#!/bin/sh
# debian-pool-get.sh RELEASE ARCH PACKAGE-REGEX NAME=MEMBER...: the newest
# package of Debian RELEASE ("bookworm", "trixie") for ARCH whose name
# matches PACKAGE-REGEX (an anchored awk regex), searched in RELEASE,
# RELEASE-updates and RELEASE-security; extracts each MEMBER (a shell glob
# inside the package, e.g. boot/vmlinuz-*; a|b for the first of
# several) as NAME (NAME?=MEMBER: only if
# the package has it) into the cache directory
# NSB_KERNEL_CACHE/debian/PACKAGE-ARCH-VERSION and prints that directory.
#
# Why not apt: apt would need every foreign architecture added to dpkg and
# its lists fetched on every apt-get update of the machine, and one list
# caught mid-sync on the mirror fails the whole update ("File has unexpected
# size").  This fetches only what it uses, verified as apt verifies it:
# InRelease signed by a key of debian-archive-keyring, the Packages index
# by the SHA-256 InRelease gives (fetched by that hash where the archive
# offers Acquire-By-Hash, so a mirror mid-sync cannot serve a mismatch),
# the package by the SHA-256 the index gives.
set -eu
usage="usage: debian-pool-get.sh RELEASE ARCH PACKAGE-REGEX NAME=MEMBER..."
release=${1:?$usage} arch=${2:?$usage} regex=${3:?$usage}
shift 3
[ $# -gt 0 ] || { echo "$usage" >&2; exit 2; }
cache=${NSB_KERNEL_CACHE:-/var/cache/nsbuild-kernels}
mirror=${NSB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${NSB_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
me=debian-pool-get.sh
for tool in curl gpgv xz dpkg-deb sha256sum; do
	command -v $tool >/dev/null || { echo "$me: no $tool" >&2; exit 2; }
done
[ -r "$keyring" ] || { echo "$me: no $keyring (apt-get install debian-archive-keyring)" >&2; exit 2; }
mkdir -p "$cache/debian"
tmp=$(mktemp -d "$cache/debian/.get.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fetch() { # URL FILE
	curl -fsSL --retry 4 --retry-delay 5 --retry-connrefused -o "$2" "$1"
}

# One index per suite; a suite the archive lacks (no -updates yet for a
# new release) or that has no list for ARCH is skipped, not an error.
n=0
: >"$tmp/candidates"
for suite in "$mirror $release" "$mirror $release-updates" "$security $release-security"; do
	set -- $suite "$@"
	base=$1 dist=$2
	shift 2
	n=$((n + 1))
	fetch "$base/dists/$dist/InRelease" "$tmp/InRelease.$n" 2>/dev/null || continue
	gpgv --keyring "$keyring" --output "$tmp/Release.$n" "$tmp/InRelease.$n" 2>"$tmp/gpgv.err" ||
		{ echo "$me: $base/dists/$dist/InRelease does not verify: $(cat "$tmp/gpgv.err")" >&2; exit 1; }
	index="main/binary-$arch/Packages.xz"
	want=$(awk -v f="$index" '/^SHA256:/ { s = 1; next } /^[^ ]/ { s = 0 } s && $3 == f { print $1 }' "$tmp/Release.$n")
	[ -n "$want" ] || continue
	# By hash first (immune to a mirror mid-sync), then by name; an index
	# that matches neither is skipped (its packages are not trusted), so
	# a broken -security list on one mirror costs only newer versions.
	got=no
	for url in "$base/dists/$dist/main/binary-$arch/by-hash/SHA256/$want" "$base/dists/$dist/$index"; do
		fetch "$url" "$tmp/Packages.$n.xz" 2>/dev/null || continue
		[ "$(sha256sum <"$tmp/Packages.$n.xz" | cut -d' ' -f1)" = "$want" ] && { got=yes; break; }
	done
	if [ $got = no ]; then
		echo "$me: $base/dists/$dist/$index is missing or does not match its SHA-256 in InRelease (mirror mid-sync?), skipping $dist" >&2
		continue
	fi
	# "package version base filename sha256" for every match.
	xz -dc "$tmp/Packages.$n.xz" | awk -v re="^($regex)\$" -v base="$base" '
		/^Package: / { p = $2; v = f = s = "" }
		/^Version: / { v = $2 }
		/^Filename: / { f = $2 }
		/^SHA256: / { s = $2 }
		/^$/ { if (p ~ re && f != "") print p, v, base, f, s; p = "" }
		END { if (p ~ re && f != "") print p, v, base, f, s }' >>"$tmp/candidates"
done
[ -s "$tmp/candidates" ] || { echo "$me: no package matching $regex for $arch in $release" >&2; exit 1; }
# The newest: highest package name (an ABI number), then highest version.
best=$(sort -V -k1,1 -k2,2 "$tmp/candidates" | tail -n 1)
set -- $best "$@"
pkg=$1 version=$2 base=$3 file=$4 sum=$5
shift 5
out="$cache/debian/$pkg-$arch-$(echo "$version" | tr ':~' '__')"
if [ ! -f "$out/.complete" ]; then
	fetch "$base/$file" "$tmp/pkg.deb" || { echo "$me: cannot fetch $base/$file" >&2; exit 1; }
	[ "$(sha256sum <"$tmp/pkg.deb" | cut -d' ' -f1)" = "$sum" ] ||
		{ echo "$me: $file does not match its SHA-256 in the index" >&2; exit 1; }
	dpkg-deb -x "$tmp/pkg.deb" "$tmp/x"
	mkdir -p "$tmp/out"
	for pair in "$@"; do
		name=${pair%%=*} member=${pair#*=}
		optional=no
		case $name in *\?) name=${name%\?} optional=yes ;; esac
		found=
		# Alternatives (a|b) in order; the globs are meant to expand,
		# inside the package.
		old_ifs=$IFS
		IFS='|'
		for alt in $member; do
			IFS=$old_ifs
			# shellcheck disable=SC2086
			set -- "$tmp"/x/$alt
			[ -e "$1" ] && { found=$1; break; }
		done
		IFS=$old_ifs
		if [ -n "$found" ]; then
			cp "$found" "$tmp/out/$name"
		elif [ $optional = no ]; then
			echo "$me: $pkg $version has no $member" >&2
			exit 1
		fi
	done
	echo "$pkg $version" >"$tmp/out/.complete"
	rm -rf "$out"
	mv "$tmp/out" "$out"
fi
echo "$out"
