#!/bin/sh
# nsbuild build: realising derivations into a store.  Inputs, environment,
# system, output checks and canonicalisation, fixed-output derivations
# (network, hash, CVE-2024-27297), and the malformed-derivation corpus.
. "${top_srcdir:-.}/tests/tap.sh"

# The command line.
help=$("$NSBUILD" build --help); st=$?
is "$st" 0 "build --help exits 0"
for o in --store --closure --sandbox-path --host-tools --sandbox --timeout --log --keep-root; do
	like "$help" "$o" "build --help lists $o"
done
"$NSBUILD" build 2>"$tap_tmp/err"; st=$?
is "$st:$(wc -l <"$tap_tmp/err")" "125:1" "build without a derivation: exit 125, one line"
like "$(cat "$tap_tmp/err")" "no derivation given" "saying so"
"$NSBUILD" build a.drv b.drv 2>"$tap_tmp/err"; st=$?
is "$st" 125 "two derivations: exit 125"
"$NSBUILD" build --bogus x.drv 2>"$tap_tmp/err"; st=$?
is "$st" 125 "an unknown option: exit 125"
"$NSBUILD" build / 2>"$tap_tmp/err"; st=$?
like "$st $(cat "$tap_tmp/err")" "125 nsbuild: cannot read derivation /: Is a directory" "a directory: exit 125, saying so"

# Malformed derivations need no sandbox: every one is a one-line error
# with its position and exit status 125.
for f in "$top_srcdir"/tests/fuzz/corpus/drv/bad-*.drv; do
	n=$(basename "$f")
	"$NSBUILD" build --store /nix/store "$f" >"$tap_tmp/out" 2>"$tap_tmp/err"; st=$?
	lines=$(wc -l <"$tap_tmp/err")
	if [ $st -eq 125 ] && [ "$lines" -eq 1 ] && grep -Eq "^nsbuild: .*$n:[0-9]+:[0-9]+: " "$tap_tmp/err" && [ ! -s "$tap_tmp/out" ]; then
		ok 0 "$n: exit 125, one line with the position: $(cat "$tap_tmp/err")"
	else
		ok 1 "$n: exit 125, one line with the position"
		diag "exit $st, $lines lines:" "$(cat "$tap_tmp/err")"
	fi
done
if ! has_feature JSON; then
	"$NSBUILD" build --json "$tap_tmp/none.drv" 2>"$tap_tmp/err"; st=$?
	like "$st $(cat "$tap_tmp/err")" "125 nsbuild: build --json: this nsbuild was built without json-c" \
		"build --json without json-c: 125, saying so"
fi
"$NSBUILD" build "$tap_tmp/none.drv" 2>"$tap_tmp/err"; st=$?
is "$st" 125 "a missing .drv file: exit 125"
like "$(cat "$tap_tmp/err")" "cannot read derivation $tap_tmp/none.drv: No such file or directory" "naming the file and the errno"

# The chroot tier realises derivations too (a build without namespaces),
# with a static busybox as its tools.
if is_root && "$NSBUILD" --version | grep -q -- '+CHROOT' && bb=$(path_of busybox) &&
	is_static "$bb"; then
	cstore="$tap_tmp/cstore"
	mkdir -p "$cstore" "$tap_tmp/bb"
	chmod 0755 "$tap_tmp"
	cp "$bb" "$tap_tmp/bb/busybox"
	for a in sh mkdir cat chmod; do ln -s busybox "$tap_tmp/bb/$a"; done
	printf 'mkdir -p $out/bin; echo "in a chroot" > $out/said; printf "#!/bin/sh\\necho hi\\n" > $out/bin/hi; chmod 0777 $out/bin/hi\n' >"$cstore/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-b.sh"
	printf 'Derive([("out","%s/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-c","","")],[],["%s/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-b.sh"],"%s","/bin/sh",["%s/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-b.sh"],[("PATH","/bin"),("out","%s/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-c")])' \
		"$cstore" "$cstore" "$(uname -m)-linux" "$cstore" "$cstore" >"$cstore/cccccccccccccccccccccccccccccccc-c.drv"
	o=$("$NSBUILD" build --sandbox=chroot --store "$cstore" --sandbox-path "/bin=$tap_tmp/bb" "$cstore/cccccccccccccccccccccccccccccccc-c.drv" 2>"$tap_tmp/err"); st=$?
	is "$st:$o" "0:$cstore/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-c" "the chroot tier realises a derivation"
	[ $st -eq 0 ] || diag "$(cat "$tap_tmp/err")"
	is "$(cat "$o/said" 2>/dev/null)" "in a chroot" "its output is in the store"
	is "$(stat -c '%a %Y %u' "$o/bin/hi" "$o/said" "$o" 2>/dev/null | tr '\n' ' ')" "555 1 0 444 1 0 555 1 0 " "canonical: modes, mtime 1, owned by root"
	is "$(find "$cstore" -maxdepth 1 -name '.nsbuild-*' | wc -l)" 0 "no scratch directory is left"
	# An output placeholder (builtins.placeholder "out") becomes the path.
	ph=/1rz4g4znpzjwh1xymhjpm42vipw92pr73vdgl6xs1hycac8kf2n9
	printf 'mkdir -p $out; echo "$ph" > $out/ph\n' >"$cstore/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-p.sh"
	printf 'Derive([("out","%s/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-p","","")],[],["%s/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-p.sh"],"%s","/bin/sh",["%s/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-p.sh"],[("PATH","/bin"),("out","%s/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-p"),("ph","%s")])' \
		"$cstore" "$cstore" "$(uname -m)-linux" "$cstore" "$cstore" "$ph" >"$cstore/cccccccccccccccccccccccccccccccc-p.drv"
	o=$("$NSBUILD" build --sandbox=chroot --store "$cstore" --sandbox-path "/bin=$tap_tmp/bb" "$cstore/cccccccccccccccccccccccccccccccc-p.drv" 2>"$tap_tmp/err"); st=$?
	if has_feature SHA256; then
		is "$st:$(cat "$o/ph" 2>/dev/null)" "0:$cstore/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-p" "an output placeholder in a variable is the output's path"
	else
		like "$st $(cat "$tap_tmp/err")" "125 nsbuild: $cstore/cccccccccccccccccccccccccccccccc-p.drv: the derivation may use output placeholders, which this nsbuild cannot rewrite" \
			"without a hash library, a derivation that may use output placeholders is refused"
	fi
else
	skip "the chroot tier: needs root, the chroot tier compiled in and a static busybox"
fi

# The rest builds: in the full tier, where it is compiled in and works.
# (require_full in a subshell: it says why not, or bails out on CI.)
why=$(require_full)
case $why in
"Bail out!"*) echo "$why"; exit 1 ;;
"1..0 # SKIP "*) skip "${why#1..0 # SKIP }"; done_testing; exit ;;
esac
command -v sha256sum >/dev/null || { skip "no sha256sum"; done_testing; exit; }

store="$tap_tmp/store"
mkdir -p "$store"
if is_root; then chmod 0755 "$tap_tmp"; fi
system=$(uname -m)-linux

# q S: S as an ATerm string.
q() { printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"; }
# src NAME TEXT: put TEXT into the store as a source; print its path.
src() {
	p="$store/$(printf '%s' "$2" | sha256sum | cut -c1-32 | tr e z)-$1"
	[ -e "$p" ] || printf '%s' "$2" >"$p"
	echo "$p"
}
# drv NAME SCRIPT [OUTPUTS] [INPUT-DRVS] [SRCS] [SYSTEM] [EXTRA-ENV] [HASH-ALGO HASH]:
# a derivation running SCRIPT with /bin/sh; prints the .drv path.  OUTPUTS
# is a space-separated list of output names (default out); INPUT-DRVS the
# ATerm list body; SRCS extra ATerm source paths; EXTRA-ENV ATerm pairs.
drv() {
	name=$1 script=$(src "$1-builder.sh" "$2") outs=${3:-out} indrvs=${4:-} srcs=${5:-} sys=${6:-$system} extra=${7:-}
	algo=${8:-} hash=${9:-}
	seed=$(printf '%s %s %s %s %s %s' "$name" "$script" "$indrvs" "$srcs" "$sys" "$extra$algo$hash" | sha256sum | cut -c1-32 | tr e z)
	o= env=
	for out in $outs; do
		p="$store/$seed-$name"; [ "$out" = out ] || p="$p-$out"
		o="$o${o:+,}($(q "$out"),$(q "$p"),$(q "$algo"),$(q "$hash"))"
		env="$env,($(q "$out"),$(q "$p"))"
	done
	srclist=$(q "$script")${srcs:+,$srcs}
	text="Derive([$o],[$indrvs],[$srclist],$(q "$sys"),\"/bin/sh\",[$(q "$script")],[(\"PATH\",\"/usr/bin:/bin\"),(\"name\",$(q "$name"))$env${extra:+,$extra}])"
	src "$name.drv" "$text"
}
outpath() { sed -n 's/^Derive(\[("out","\([^"]*\)".*/\1/p' "$1"; }
build() { "$NSBUILD" build --store "$store" --host-tools "$@"; }
leftovers() { find "$store" -maxdepth 1 -name '.nsbuild-*' | wc -l; }

# ---- a derivation and one depending on it --------------------------------
d1=$(drv lib 'mkdir -p $out/lib $out/bin; echo "lib data" > $out/lib/data; printf "#!/bin/sh\necho hi from lib\n" > $out/bin/hi; chmod 0755 $out/bin/hi')
o1=$(build "$d1" 2>"$tap_tmp/err"); st=$?
is "$st" 0 "a derivation builds"
is "$o1" "$(outpath "$d1")" "its output path is printed on standard output"
[ "$(cat "$o1/lib/data" 2>/dev/null)" = "lib data" ]; ok $? "the output is in the store"

d2=$(drv app 'echo "input: $(cat $lib/lib/data)"; mkdir $out; $lib/bin/hi > $out/said; cp $lib/lib/data $out/copy; ls $NIX_STORE > $out/store-listing' out "($(q "$d1"),[\"out\"])" "" "" "(\"lib\",$(q "$o1"))")
o2=$(build "$d2" 2>"$tap_tmp/err"); st=$?
is "$st" 0 "a derivation using the first one's output builds"
is "$(cat "$o2/said" 2>/dev/null)" "hi from lib" "it ran a program of its input derivation's output"
like "$(cat "$o2/store-listing" 2>/dev/null)" "$(basename "$o1")" "the store shows the input's output"
unlike "$(cat "$o2/store-listing" 2>/dev/null)" "$(basename "$d1")" "but not the input's .drv file"
is "$(leftovers)" 0 "no scratch directory is left in the store"

# ---- canonical outputs ----------------------------------------------------
d=$(drv canon 'mkdir -p $out/sub; echo a > $out/file; chmod 0666 $out/file; echo b > $out/exec; chmod 0777 $out/exec; chmod 1777 $out/sub; ln -s file $out/link; ln $out/file $out/hardlink; touch -d 2001-01-01 $out/file')
o=$(build "$d" 2>"$tap_tmp/err"); st=$?
is "$st" 0 "a derivation with odd modes builds"
is "$(stat -c '%a %Y' "$o/file")" "444 1" "a file: 0444, mtime 1"
is "$(stat -c '%a %Y' "$o/exec")" "555 1" "an executable: 0555, mtime 1"
is "$(stat -c '%a %Y' "$o/sub")" "555 1" "a directory: 0555 (the sticky bit is gone), mtime 1"
is "$(stat -c '%a %Y' "$o")" "555 1" "the output itself: 0555, mtime 1"
is "$(stat -c '%Y' "$o/link") $(readlink "$o/link")" "1 file" "a symlink is kept, mtime 1"
is "$(stat -c '%u:%g' "$o" "$o/file" "$o/link" | sort -u)" "$(id -u):$(id -g)" "everything is owned by the invoking user"
is "$(stat -c '%h %i' "$o/file")" "$(stat -c '%h %i' "$o/hardlink")" "a hard link inside the output is kept"
is "$(find "$o" ! -type l -perm /7222 | wc -l)" 0 "no write, setuid, setgid or sticky bit anywhere"

# ---- failures leave nothing ----------------------------------------------
d=$(drv fails 'mkdir $out; echo partial > $out/x; exit 3')
build "$d" >"$tap_tmp/out" 2>"$tap_tmp/err"; st=$?
is "$st" 3 "a failing builder: its exit status"
[ ! -e "$(outpath "$d")" ]; ok $? "its partial output is removed"
[ ! -s "$tap_tmp/out" ]; ok $? "and no output path is printed"

d=$(drv lazy 'mkdir $out; echo made only out' "out dev")
build "$d" 2>"$tap_tmp/err"; st=$?
is "$st" 125 "an output not produced: exit 125"
like "$(cat "$tap_tmp/err")" "builder failed to produce output $(outpath "$d")-dev" "naming it"
[ ! -e "$(outpath "$d")" ]; ok $? "and no other output of it is left"

d=$(drv fifo 'mkdir $out; mkfifo $out/pipe')
build "$d" 2>"$tap_tmp/err"; st=$?
is "$st" 125 "an output holding a FIFO: exit 125"
like "$(cat "$tap_tmp/err")" "contains a FIFO at ./pipe" "naming it"
[ ! -e "$(outpath "$d")" ]; ok $? "and the output is removed"
is "$(leftovers)" 0 "no scratch directory is left after failures"

# ---- what is checked before anything runs --------------------------------
d=$(drv stray 'touch /tmp/ran' out "" "\"/etc/passwd\"")
build "$d" 2>"$tap_tmp/err"; st=$?
is "$st" 125 "an input source outside the store: exit 125"
like "$(cat "$tap_tmp/err")" "input source /etc/passwd is not directly inside the store directory $store" "naming it and the store"

d=$(drv missing 'true' out "" "$(q "$store/00000000000000000000000000000000-gone")")
build "$d" 2>"$tap_tmp/err"; st=$?
is "$st" 125 "a missing input source: exit 125"
like "$(cat "$tap_tmp/err")" "input source $store/00000000000000000000000000000000-gone does not exist" "naming it"

d0=$(drv notyet 'mkdir $out')
d=$(drv needs 'true' out "($(q "$d0"),[\"out\"])")
build "$d" 2>"$tap_tmp/err"; st=$?
is "$st" 125 "an input derivation not built yet: exit 125"
like "$(cat "$tap_tmp/err")" "input $(outpath "$d0") (output 'out' of $d0) does not exist; build that derivation first" "saying so"
d=$(drv needsdev 'true' out "($(q "$d1"),[\"dev\"])")
build "$d" 2>"$tap_tmp/err"; st=$?
like "$(cat "$tap_tmp/err")" "input derivation $d1 has no output 'dev'" "an output the input derivation lacks is named"

d=$(drv elsewhere 'true' out "" "" aarch64-darwin)
build "$d" 2>"$tap_tmp/err"; st=$?
is "$st" 125 "a system this host cannot run: exit 125"
like "$(cat "$tap_tmp/err")" "the derivation is for system 'aarch64-darwin', which this $(uname -m) host cannot run" "saying so"

printf 'Derive([("out","/elsewhere/x","","")],[],[],"%s","/bin/sh",[],[])' "$system" >"$tap_tmp/outside.drv"
build "$tap_tmp/outside.drv" 2>"$tap_tmp/err"; st=$?
is "$st" 125 "an output outside the store: exit 125"
like "$(cat "$tap_tmp/err")" "output /elsewhere/x is not directly inside the store directory $store" "naming it"

existing=$(outpath "$d1")
build "$d1" 2>"$tap_tmp/err"; st=$?
is "$st" 125 "an output that exists already: exit 125"
like "$(cat "$tap_tmp/err")" "output $existing already exists" "naming it"

# ---- environment, system, closure, sandbox paths -------------------------
d=$(drv env 'mkdir $out; env > $out/env; uname -m > $out/machine' out "" "" "" "(\"HOME\",\"/custom-home\"),(\"NIX_BUILD_CORES\",\"7\"),(\"extra\",\"a\\\"b\\\\c\")")
o=$(build "$d" 2>"$tap_tmp/err"); st=$?
is "$st" 0 "a derivation setting standard variables builds"
like "$(cat "$o/env")" "HOME=/custom-home" "its HOME overrides the standard one"
like "$(cat "$o/env")" "NIX_BUILD_CORES=7" "and NIX_BUILD_CORES"
like "$(cat "$o/env")" "NIX_BUILD_TOP=/build" "the standard variables it does not set stay"
like "$(cat "$o/env")" "NIX_STORE=$store" "NIX_STORE is the store directory"
is "$(grep '^extra=' "$o/env")" 'extra=a"b\c' "escapes in values reach the builder unescaped"

d=$(drv passasfile 'mkdir $out; echo "path=$buildCommandPath set=${buildCommand+yes} end" > $out/r; . "$buildCommandPath"' out "" "" "" "(\"buildCommand\",\"echo from-file > \$out/cmd\"),(\"passAsFile\",\"buildCommand other\")")
o=$(build "$d" 2>"$tap_tmp/err"); st=$?
is "$st:$(cat "$o/cmd" 2>/dev/null)" "0:from-file" "passAsFile: the builder reads the value from \$buildCommandPath"
if "$NSBUILD" --version | grep -q -- '+SHA256'; then
	# The name Nix gives buildCommand's file, as its build logs show.
	like "$(cat "$o/r" 2>/dev/null)" "path=/build/.attr-0l2nkwhif96f51f4amnlf414lhl4rv9vh8iffyp431v6s28gsr90 " \
		"which is in /build, named as Nix names it (.attr-<sha256 of the name in Nix's base 32>)"
else
	like "$(cat "$o/r" 2>/dev/null)" "path=/build/.attr-" "which is in /build (not Nix's name without a hash library)"
fi
like "$(cat "$o/r" 2>/dev/null)" "set= end" "and buildCommand itself is not in the environment"

# ---- structured attributes ---------------------------------------------------
# sdrv NAME SCRIPT JSON [OUTPUTS] [SRCS]: a derivation with structured
# attributes JSON (the outputs' names added as Nix adds them), its builder
# SCRIPT run by bash after sourcing .attrs.sh.
sdrv() {
	outs=${4:-out}
	list=$(printf '"%s",' $outs)
	drv "$1" "[ -n \"\$BASH_VERSION\" ] || exec /bin/bash \"\$0\"; PATH=/usr/bin:/bin; . \"\$NIX_ATTRS_SH_FILE\"; $2" "$outs" "" "${5:-}" "" \
		"(\"__json\",$(q "${3%\}},\"outputs\":[${list%,}]}"))"
}
d=$(sdrv structured 'out=${outputs[out]}; mkdir -p $out; cp $NIX_ATTRS_JSON_FILE $out/attrs.json; cp $NIX_ATTRS_SH_FILE $out/attrs.sh; env > $out/env; echo "$n ${list[0]}|${list[1]} ${obj[k]} [$flag] $NIX_ATTRS_JSON_FILE" > $out/seen; echo > ${outputs[dev]}' \
	'{"PATH":"/usr/bin:/bin","n":7,"flag":true,"list":["a b","c"],"obj":{"k":"v","it'"'"'s":null},"drop":1.25,"nested":[[1]],"big":4294967297,"esc":"\"\\\n\u0001"}' "out dev")
if has_feature JSON && [ -x /bin/bash ]; then
	o=$(build "$d" 2>"$tap_tmp/err"); st=$?
	o=$(printf '%s\n' "$o" | sed -n 1p)
	is "$st" 0 "structured attributes: the derivation builds"
	[ $st -eq 0 ] || diag "$(cat "$tap_tmp/err")"
	is "$(cat "$o/seen" 2>/dev/null)" "7 a b|c v [1] /build/.attrs.json" \
		"the builder reads them from .attrs.sh (NIX_ATTRS_SH_FILE), in the build directory"
	is "$(grep -cE '^(out|dev|name|n|flag|__json)=' "$o/env")" 0 "none of the derivation's variables is in the environment"
	like "$(cat "$o/env")" "NIX_ATTRS_JSON_FILE=/build/.attrs.json" "NIX_ATTRS_JSON_FILE names .attrs.json"
	is "$(cat "$o/attrs.json")" "{\"PATH\":\"/usr/bin:/bin\",\"big\":4294967297,\"drop\":1.25,\"esc\":\"\\\"\\\\\\n\\u0001\",\"flag\":true,\"list\":[\"a b\",\"c\"],\"n\":7,\"nested\":[[1]],\"obj\":{\"it's\":null,\"k\":\"v\"},\"outputs\":{\"dev\":\"$o-dev\",\"out\":\"$o\"}}" \
		".attrs.json: keys sorted, no spaces, outputs resolved to their paths (as Nix writes it)"
	is "$(cat "$o/attrs.sh")" "declare PATH='/usr/bin:/bin'
declare big=1
declare esc='\"\\
$(printf '\001')'
declare flag=1
declare -a list=('a b' 'c' )
declare n=7
declare -A obj=(['it'\\''s']='' ['k']='v' )
declare -A outputs=(['dev']='$o-dev' ['out']='$o' )" \
		".attrs.sh: what bash can hold, quoted as Nix quotes it (a non-integral number, a nested list left out; a big integer as Nix's C int)"
	# Errors in them: a one-line message, exit 125, nothing built.
	for bad in '{' '[1]' '{"a":NaN}' '{"a":1.}' '{"a":"\ud800"}' '{"a":99999999999999999999}' '{"a":1} x'; do
		d=$(drv "bad-json" 'mkdir $out' out "" "" "" "(\"__json\",$(q "$bad"))")
		build "$d" >/dev/null 2>"$tap_tmp/err"; st=$?
		is "$st:$(wc -l <"$tap_tmp/err")" "125:1" "__json '$bad': exit 125, one line"
		like "$(cat "$tap_tmp/err")" "cannot read the structured attributes (__json): " "saying why: $(cat "$tap_tmp/err")"
	done
	d=$(sdrv bad-type 'mkdir -p ${outputs[out]}' '{"requiredSystemFeatures":"kvm"}')
	build "$d" >/dev/null 2>"$tap_tmp/err"; st=$?
	like "$st $(cat "$tap_tmp/err")" "125 nsbuild: $d: attribute 'requiredSystemFeatures' of the derivation must be a list of strings" \
		"an attribute of the wrong type: exit 125, naming it and the type"
	d=$(sdrv features 'mkdir -p ${outputs[out]}' '{"requiredSystemFeatures":["nixos-test","no-such-feature"]}')
	build "$d" >/dev/null 2>"$tap_tmp/err"; st=$?
	like "$st $(cat "$tap_tmp/err")" "125 nsbuild: $d: a '$system' with features {nixos-test, no-such-feature} is required" \
		"requiredSystemFeatures read from them"
	# outputChecks: per output, sizes and references.
	d=$(sdrv maxsize 'echo 0123456789 > ${outputs[out]}' '{"outputChecks":{"out":{"maxSize":10}}}')
	build "$d" >/dev/null 2>"$tap_tmp/err"; st=$?
	like "$st $(cat "$tap_tmp/err")" "125 nsbuild: path '$(outpath "$d")' is too large at 128 bytes; limit is 10 bytes" \
		"outputChecks.out.maxSize: an output over it fails, as Nix says it"
	[ ! -e "$(outpath "$d")" ]; ok $? "and is not left in the store"
	d=$(sdrv maxsize-ok 'echo 0123456789 > ${outputs[out]}' '{"outputChecks":{"out":{"maxSize":128}}}')
	build "$d" >/dev/null 2>"$tap_tmp/err"; is "$?" 0 "outputChecks.out.maxSize: an output of that size builds"
	printf '%s\n\n0\n' "$o1" >"$tap_tmp/lib.closure"
	d=$(sdrv closure "echo $o1 > \${outputs[out]}" '{"outputChecks":{"out":{"maxClosureSize":200}}}')
	build --closure "$tap_tmp/lib.closure" "$d" >/dev/null 2>"$tap_tmp/err"; st=$?
	like "$st $(cat "$tap_tmp/err")" "125 nsbuild: closure of path '$(outpath "$d")' is too large at " \
		"outputChecks.out.maxClosureSize: the output and what it refers to (NAR sizes) over it fails"
	d=$(sdrv refs "echo $o1 > \${outputs[out]}; echo > \${outputs[dev]}" \
		'{"allowedReferences":[],"outputChecks":{"out":{"allowedReferences":["dev"]},"dev":{"disallowedReferences":["out"]},"oops":{}}}' "out dev")
	build --closure "$tap_tmp/lib.closure" "$d" >/dev/null 2>"$tap_tmp/err"; st=$?
	like "$st $(tail -n 1 "$tap_tmp/err")" "125 nsbuild: output '$(outpath "$d")' is not allowed to refer to the following paths (allowedReferences): $o1" \
		"outputChecks.out.allowedReferences (an output's name): a reference outside it fails"
	like "$(cat "$tap_tmp/err")" "'structuredAttrs' disables the effect of the top-level attribute 'allowedReferences'; use 'outputChecks' instead" \
		"a top-level check, which structured attributes disable, is warned about"
	like "$(cat "$tap_tmp/err")" "outputChecks.oops: the derivation has no output 'oops', ignoring" "as is a check of no output"
	# Requisites count the output itself, unless ignoreSelfRefs.
	d=$(sdrv self 'echo ${outputs[out]} > ${outputs[out]}' '{"outputChecks":{"out":{"allowedRequisites":[]}}}')
	build "$d" >/dev/null 2>"$tap_tmp/err"; st=$?
	like "$st $(cat "$tap_tmp/err")" "125 nsbuild: output '$(outpath "$d")' is not allowed to refer to the following paths (allowedRequisites): $(outpath "$d")" \
		"outputChecks.out.allowedRequisites: the output's own path counts (Nix's per-output checks)"
	d=$(sdrv self-ignored 'echo ${outputs[out]} > ${outputs[out]}' '{"outputChecks":{"out":{"allowedRequisites":[],"ignoreSelfRefs":true}}}')
	build "$d" >/dev/null 2>"$tap_tmp/err"; st=$?
	like "$st $(cat "$tap_tmp/err")" "125 nsbuild: warning: outputChecks.out.ignoreSelfRefs is not read (Nix does not read it either), ignoring" \
		"even with ignoreSelfRefs, which Nix documents but does not read: said, and the build fails as in Nix"
	d=$(sdrv spec 'mkdir -p ${outputs[out]}' '{"outputChecks":{"out":{"disallowedRequisites":["nothing"]}}}')
	build "$d" >/dev/null 2>"$tap_tmp/err"; st=$?
	like "$st $(cat "$tap_tmp/err")" "125 nsbuild: $d: derivation contains an illegal reference specifier 'nothing' in outputChecks.out.disallowedRequisites" \
		"an outputChecks entry that is neither a store path nor an output: exit 125"
	# What Nix refuses: a specifier that is no store path's name, a string
	# with a NUL, an exported graph named outputs.
	for bad in '"outputChecks":{"out":{"allowedReferences":["'"$store"'/nothash"]}}|illegal reference specifier' \
		'"outputChecks":{"out":{"allowedReferences":["out\u0000x"]}}|must be a list of strings without NUL' \
		'"requiredSystemFeatures":["big-parallel\u0000x"]|must be a list of strings' \
		'"exportReferencesGraph":{"outputs":[]}|would replace the outputs'; do
		d=$(sdrv refused "mkdir -p \${outputs[out]}" "{${bad%|*}}")
		build "$d" >/dev/null 2>"$tap_tmp/err"; st=$?
		like "$st $(cat "$tap_tmp/err")" "125 nsbuild: $d: " "{${bad%|*}}: refused (125)"
		like "$(cat "$tap_tmp/err")" "${bad#*|}" "saying why"
	done
	# unsafeDiscardReferences: an output registered with none.
	d=$(sdrv discard "echo $o1 \${outputs[out]} > \${outputs[out]}; echo $o1 > \${outputs[dev]}" '{"unsafeDiscardReferences":{"out":true,"dev":false}}' "out dev")
	json=$(build --json --closure "$tap_tmp/lib.closure" "$d" 2>"$tap_tmp/err"); st=$?
	is "$st" 0 "unsafeDiscardReferences: builds"
	like "$(printf '%s' "$json" | sed 's/},{/}\n{/g' | grep "\"path\":\"$(outpath "$d")\"")" '"references":[]' \
		"unsafeDiscardReferences.out: the output is registered with no reference"
	like "$(printf '%s' "$json" | sed 's/},{/}\n{/g' | grep "\"path\":\"$(outpath "$d")-dev\"")" "\"references\":[\"$o1\"]" \
		"an output it does not name is scanned as ever"
	d=$(sdrv discard-bad 'mkdir -p ${outputs[out]}' '{"unsafeDiscardReferences":{"out":1}}')
	build "$d" >/dev/null 2>"$tap_tmp/err"; st=$?
	like "$st $(cat "$tap_tmp/err")" "125 nsbuild: $d: attribute 'unsafeDiscardReferences.\"out\"' must be a Boolean" \
		"unsafeDiscardReferences of another type: refused, as Nix does"
	# exportReferencesGraph: an object of names and paths, each name
	# replaced by the path information of the paths' closure.
	d=$(sdrv export-below 'mkdir -p ${outputs[out]}' "{\"exportReferencesGraph\":{\"lib\":[\"$o1/lib/data\"]}}")
	build --closure "$tap_tmp/lib.closure" "$d" >/dev/null 2>"$tap_tmp/err"; st=$?
	like "$st $(cat "$tap_tmp/err")" "125 nsbuild: 'exportReferencesGraph.lib': path '$o1/lib/data' is not a store path" \
		"exportReferencesGraph's object form: a path below a store path is refused, as Nix 2.8 does"
	d=$(sdrv export 'cp $NIX_ATTRS_JSON_FILE ${outputs[out]}' "{\"exportReferencesGraph\":{\"lib\":[\"$o1/\"],\"none\":null}}" out "$(q "$o1")")
	o=$(build --closure "$tap_tmp/lib.closure" "$d" 2>"$tap_tmp/err"); st=$?
	is "$st" 0 "exportReferencesGraph: builds"
	lib=$(sed -n 's/.*"lib":\(\[[^]]*\]\).*/\1/p' "$o" 2>/dev/null)
	like "$lib" "[{\"closureSize\":" "its entry: the path information of the closure (nix path-info's fields)"
	like "$lib" "\"path\":\"$o1\",\"references\":[]" "of the store path"
	like "$(cat "$o")" '"none":[]' "an entry that is null exports nothing, as Nix iterates it"
	is "$(grep -o '"path":' "$o" | wc -l)" 1 "and only of it (it refers to nothing)"
	nar=$(printf '%s' "$lib" | sed -n 's/.*"narSize":\([0-9]*\).*/\1/p') closure=$(printf '%s' "$lib" | sed -n 's/.*"closureSize":\([0-9]*\).*/\1/p')
	[ -n "$nar" ] && [ "$nar" -gt 400 ] && [ "$closure" = "$nar" ]; ok $? "a NAR size ($nar), and the closure size is it"
	like "$lib" '"narHash":"sha256:' "the NAR hash in Nix's base 32"
	# A content address comes from path information (JSON); a later
	# registration file, which has none, keeps it.
	ca=fixed:r:sha256:0000000000000000000000000000000000000000000000000000
	printf '[{"path":"%s","references":[],"ca":"%s"}]' "$o1" "$ca" >"$tap_tmp/lib-ca.json"
	printf '%s\n%s\n880\n\n0\n' "$o1" "$(printf '%064d' 0)" >"$tap_tmp/lib-hash.closure"
	rm -f "$(outpath "$d")"
	build --closure "$tap_tmp/lib-ca.json" --closure "$tap_tmp/lib-hash.closure" "$d" >/dev/null 2>"$tap_tmp/err"
	like "$(cat "$(outpath "$d")" 2>/dev/null)" "\"ca\":\"$ca\",\"closureSize\"" \
		"exportReferencesGraph: an input's content address, from --closure's path information, is written"
	# --closure as nix path-info --json prints it; repeatable.
	printf '[{"path":"%s","narHash":"sha256-ygvT6ZuqPO3FGoktazMKAzhBs7QXdiRgdagMYuWZnEI=","narSize":1,"references":[],"ca":"garbage"}]' "$o1" >"$tap_tmp/bad-ca.json"
	build --closure "$tap_tmp/lib.closure" --closure "$tap_tmp/bad-ca.json" "$d" >/dev/null 2>"$tap_tmp/err"; st=$?
	like "$st $(cat "$tap_tmp/err")" "125 nsbuild: --closure $tap_tmp/bad-ca.json: the narHash or the ca of $o1 is not one" \
		"--closure: path information with a ca that is none is refused (the second file is read too)"
	printf '[{"path":"%s"' "$o1" >"$tap_tmp/cut.json"
	build --closure "$tap_tmp/cut.json" "$d" >/dev/null 2>"$tap_tmp/err"; st=$?
	is "$st:$(wc -l <"$tap_tmp/err")" "125:1" "--closure: JSON cut short: exit 125, one line"
	d=$(sdrv export-closure-only 'mkdir -p ${outputs[out]}' "{\"exportReferencesGraph\":{\"lib\":[\"$o1\"]}}")
	build --closure "$tap_tmp/lib.closure" "$d" >/dev/null 2>"$tap_tmp/err"; st=$?
	like "$st $(cat "$tap_tmp/err")" "125 nsbuild: cannot export references of path '$o1' because it is not in the input closure" \
		"a path --closure lists but the derivation does not take: not in its input closure (as in Nix)"
	d=$(sdrv export-foreign 'mkdir -p ${outputs[out]}' "{\"exportReferencesGraph\":{\"x\":[\"$(outpath "$d2")\"]}}")
	build --closure "$tap_tmp/lib.closure" "$d" >/dev/null 2>"$tap_tmp/err"; st=$?
	like "$st $(cat "$tap_tmp/err")" "125 nsbuild: cannot export references of path '$(outpath "$d2")' because it is not in the input closure of the derivation" \
		"a path that is not in the input closure: refused, as Nix does"
	d=$(sdrv export-bad 'mkdir -p ${outputs[out]}' '{"exportReferencesGraph":["x","y"]}')
	build "$d" >/dev/null 2>"$tap_tmp/err"; st=$?
	like "$st $(cat "$tap_tmp/err")" "125 nsbuild: $d: with structured attributes, 'exportReferencesGraph' must be an object" \
		"exportReferencesGraph as a list: refused (Nix would ignore it)"
elif has_feature JSON; then
	skip "structured attributes: the builders are bash scripts (.attrs.sh), and there is no /bin/bash here"
else
	build "$d" >/dev/null 2>"$tap_tmp/err"; st=$?
	like "$st $(cat "$tap_tmp/err")" "125 nsbuild: $d: the derivation has structured attributes (__json), but this nsbuild was built without json-c" \
		"structured attributes without json-c: exit 125, saying so"
fi
# exportReferencesGraph (the list form): a derivation in the graph brings
# its outputs' closures, which must be known; a path outside the inputs'
# closure is refused, as Nix does.
script1=$(sed -n 's/.*\],\["\([^"]*-lib-builder.sh\)"\].*/\1/p' "$d1")
printf '%s\n\n1\n%s\n%s\n\n0\n' "$d1" "$script1" "$script1" >"$tap_tmp/drv-only.closure"
d=$(drv graph-drv 'mkdir $out' out "" "$(q "$d1")" "" "(\"exportReferencesGraph\",$(q "g $d1"))")
build --closure "$tap_tmp/drv-only.closure" "$d" >/dev/null 2>"$tap_tmp/err"; st=$?
like "$st $(cat "$tap_tmp/err")" "125 nsbuild: cannot write exportReferencesGraph 'g': what $o1 (an output of $d1) refers to is not known" \
	"exportReferencesGraph: a derivation whose outputs' references are not known fails, naming them (Nix fails too)"
d=$(drv graph-foreign 'mkdir $out' out "" "" "" "(\"exportReferencesGraph\",$(q "g $(outpath "$d2")"))")
build "$d" >/dev/null 2>"$tap_tmp/err"; st=$?
like "$st $(cat "$tap_tmp/err")" "125 nsbuild: cannot export references of path '$(outpath "$d2")' because it is not in the input closure" \
	"exportReferencesGraph: a path outside the input closure is refused"
printf 'Derive([("out","%s/%s-fetched","","")],[],[],"builtin","builtin:fetchurl",[],[("out","%s/%s-fetched")])' \
	"$store" "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz1" "$store" "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz1" >"$tap_tmp/builtin.drv"
build "$tap_tmp/builtin.drv" >/dev/null 2>"$tap_tmp/err"; st=$?
like "$st $(cat "$tap_tmp/err")" "125 nsbuild: $tap_tmp/builtin.drv: builtin builders (builtin:fetchurl) are not supported" \
	"a builtin builder: refused, naming it"
printf 'Derive([("out","","r:sha256","")],[],[],"%s","/bin/sh",[],[("out","")])' "$system" >"$tap_tmp/ca.drv"
build "$tap_tmp/ca.drv" >/dev/null 2>"$tap_tmp/err"; st=$?
like "$st $(cat "$tap_tmp/err")" "content-addressed derivations are not supported" "a content-addressed output: refused, saying so"

if [ "$(uname -m)" = x86_64 ]; then
	d=$(drv i686 'mkdir $out; uname -m > $out/machine' out "" "" i686-linux)
	o=$(build "$d" 2>"$tap_tmp/err"); st=$?
	is "$st:$(cat "$o/machine" 2>/dev/null)" "0:i686" "system i686-linux runs under the 32-bit personality"
else
	skip "i686-linux needs an x86_64 host"
fi

extra=$(src extra "extra input")
printf '%s\n\n%s\n' "$extra" "$o1" >"$tap_tmp/closure"
d=$(drv closure 'mkdir $out; cat '"$extra"' > $out/got')
o=$(build --closure "$tap_tmp/closure" "$d" 2>"$tap_tmp/err"); st=$?
is "$st:$(cat "$o/got" 2>/dev/null)" "0:extra input" "a path of --closure is visible"
printf '%s\n/etc/passwd\n' "$extra" >"$tap_tmp/closure"
d=$(drv closure2 'mkdir $out')
build --closure "$tap_tmp/closure" "$d" 2>"$tap_tmp/err"; st=$?
is "$st" 125 "a --closure path outside the store: exit 125"
like "$(cat "$tap_tmp/err")" "--closure $tap_tmp/closure:2: input /etc/passwd is not directly inside" "naming the line"

mkdir -p "$tap_tmp/hostdir" && echo shared >"$tap_tmp/hostdir/f"
d=$(drv sbpath 'mkdir $out; cat /opt/shared/f > $out/got')
o=$(build --sandbox-path "/opt/shared=$tap_tmp/hostdir" --sandbox-path "/opt/none=$tap_tmp/nonexistent?" "$d" 2>"$tap_tmp/err"); st=$?
is "$st:$(cat "$o/got" 2>/dev/null)" "0:shared" "--sandbox-path PATH=HOSTPATH binds it; an optional missing one is skipped"
build --sandbox-path "/opt/none=$tap_tmp/nonexistent" "$d" 2>"$tap_tmp/err"; st=$?
is "$st" 125 "a missing --sandbox-path: exit 125"

# ---- fixed-output derivations --------------------------------------------
if "$NSBUILD" --version | grep -q -- '-SHA256'; then
	skip "fixed-output derivations: built without a SHA-256 library"
	done_testing
fi
content_hash=$(printf 'fetched\n' | sha256sum | cut -c1-64)
d=$(drv fetched 'printf "fetched\n" > $out; cat /proc/net/dev > /build/ifaces; grep -c : /proc/net/dev > /dev/stderr' out "" "" "" "" sha256 "$content_hash")
o=$(build "$d" 2>"$tap_tmp/err"); st=$?
is "$st" 0 "a fixed-output derivation with the right flat hash builds (its builder writes to /dev/stderr)"
is "$(cat "$o" 2>/dev/null)" "fetched" "its output is in the store"
is "$(stat -c %a "$o")" 444 "and canonical"
ifaces=$(tail -n 1 "$tap_tmp/err")
host_ifaces=$(grep -c : /proc/net/dev)
is "$ifaces" "$host_ifaces" "it sees the host's network interfaces ($host_ifaces)"

wrong=0000000000000000000000000000000000000000000000000000000000000000
d=$(drv fetched-wrong 'printf "fetched\n" > $out' out "" "" "" "" sha256 "$wrong")
build "$d" 2>"$tap_tmp/err"; st=$?
is "$st" 125 "a flat hash mismatch: exit 125"
like "$(cat "$tap_tmp/err")" "hash mismatch in fixed output $(outpath "$d"): wanted sha256:$wrong, got sha256:$content_hash" "both hashes are printed"
[ ! -e "$(outpath "$d")" ]; ok $? "and the output is removed"

d=$(drv tree-wrong 'mkdir -p $out/bin; echo x > $out/data; printf "#!/bin/sh\n" > $out/bin/run; chmod +x $out/bin/run; ln -s data $out/link' out "" "" "" "" r:sha256 "$wrong")
build "$d" 2>"$tap_tmp/err"; st=$?
got=$(sed -n 's/.*got sha256:\([0-9a-f]*\) .*/\1/p' "$tap_tmp/err")
is "$st:${#got}" "125:64" "a recursive hash mismatch names the hash it got"
d=$(drv tree 'mkdir -p $out/bin; echo x > $out/data; printf "#!/bin/sh\n" > $out/bin/run; chmod +x $out/bin/run; ln -s data $out/link' out "" "" "" "" r:sha256 "$got")
tree_hash=$got
o=$(build "$d" 2>"$tap_tmp/err"); st=$?
is "$st" 0 "the same tree with that recursive hash builds (the NAR hash is deterministic)"

# A fixed-output build reaches a service on the host's loopback; an
# ordinary one does not.
port=$((20000 + $$ % 20000))
"$HELPER" listen 127.0.0.1 "$port" 20 >"$tap_tmp/listen" &
lpid=$!
wait_for 30 file_has "$tap_tmp/listen" listening
d=$(drv plain-connect "mkdir \$out; $HELPER connect 127.0.0.1 $port > \$out/r || true" out "" "$(q "$HELPER")")
d=$(drv plain-connect "mkdir \$out; /t/helper connect 127.0.0.1 $port > \$out/r || true")
o=$(build --sandbox-path "/t/helper=$HELPER" "$d" 2>"$tap_tmp/err")
is "$(cat "$o/r" 2>/dev/null)" "ECONNREFUSED" "an ordinary derivation cannot reach the host's loopback"
h=$(printf 'connected\n' | sha256sum | cut -c1-64)
d=$(drv fod-connect "/t/helper connect 127.0.0.1 $port > \$out" out "" "" "" "" sha256 "$h")
o=$(build --sandbox-path "/t/helper=$HELPER" "$d" 2>"$tap_tmp/err"); st=$?
is "$st:$(cat "$o" 2>/dev/null)" "0:connected" "a fixed-output derivation reaches it"
wait $lpid
d=$(drv fod-ns 'echo "host=$(hostname) pid1=$(tr "\\0" " " </proc/1/cmdline)" >&2; printf x > $out' out "" "" "" "" sha256 "$(printf x | sha256sum | cut -c1-64)")
build "$d" >/dev/null 2>"$tap_tmp/err"
like "$(cat "$tap_tmp/err")" "host=localhost pid1=sh $store/" "but keeps its own host name and PID namespace (the builder is PID 1)"

# CVE-2024-27297: the builder passes an fd to its output to an outside
# process, which writes through it once the output is in the store.  The
# builder listens and the outside process connects: Landlock's scope (where
# the kernel has it) stops only the builder's own connections, below.
sock="nsb-test-$$-fd"
h=$(printf 'original\n' | sha256sum | cut -c1-64)
d=$(drv fod-fd "printf 'original\\n' > \$out; /t/helper fd-serve $sock \$out 30 >&2" out "" "" "" "" sha256 "$h")
o=$(outpath "$d")
"$HELPER" fd-fetch "$sock" "$o" 30 >"$tap_tmp/tamper" &
tpid=$!
wait_for 30 file_has "$tap_tmp/tamper" connecting
build --sandbox-path "/t/helper=$HELPER" "$d" >/dev/null 2>"$tap_tmp/err"; st=$?
wait $tpid
is "$st" 0 "a fixed-output builder that passes out an fd to its output builds"
[ "$st" = 0 ] || diag "$(cat "$tap_tmp/err")"
like "$(cat "$tap_tmp/tamper")" "wrote through the fd" "the outside process wrote through that fd after the build"
is "$(cat "$o")" "original" "but the output in the store is unchanged: it is a fresh copy"

# It shares the host's network namespace, and so its abstract unix
# sockets: wherever the kernel has Landlock's scopes, the builder cannot
# connect to one a process outside made (that fd could have gone out
# without the fresh copy).
landlock_expected
sock="nsb-test-$$-abs"
"$HELPER" abstract-listen "$sock" 60 >"$tap_tmp/abs" 2>&1 &
lpid=$!
wait_for 30 file_has "$tap_tmp/abs" listening
d=$(drv fod-abs "/t/helper abstract-connect $sock >&2; printf x > \$out" out "" "" "" "" sha256 "$(printf x | sha256sum | cut -c1-64)")
build --sandbox-path "/t/helper=$HELPER" "$d" >/dev/null 2>"$tap_tmp/err"
if [ $ll_scope = yes ]; then
	like "$(cat "$tap_tmp/err")" "EPERM" "a fixed-output builder cannot connect to the host's abstract socket (Landlock scope, ABI $ll_abi)"
else
	like "$(cat "$tap_tmp/err")" "connected" "without Landlock's scopes here ($ll_abi), a fixed-output builder reaches the host's abstract socket"
fi
kill $lpid 2>/dev/null; wait $lpid 2>/dev/null

# ---- what a store registers ----------------------------------------------
# --json, as nix path-info --json: per output its NAR hash and size and
# its references (the inputs and outputs whose hash part it holds, itself
# included), in the order a store registers them (each after the outputs
# it refers to).
dr=$(drv refs 'mkdir -p $out $dev; echo "$lib/lib/data" > $out/uses; echo "$dev" > $out/dev-path; echo "$out" > $out/self; echo plain > $dev/x' \
	"out dev" "($(q "$d1"),[\"out\"])" "" "" "(\"lib\",$(q "$o1"))")
out=$(outpath "$dr") dev="$(outpath "$dr")-dev"
json=$(build --json "$dr" 2>"$tap_tmp/err"); st=$?
is "$st" 0 "--json: a derivation with two outputs builds"
[ $st -eq 0 ] || diag "$(cat "$tap_tmp/err")"
first=$(printf '%s' "$json" | sed 's/},{/}\n{/g' | sed -n 1p) second=$(printf '%s' "$json" | sed 's/},{/}\n{/g' | sed -n 2p)
like "$first" "\"path\":\"$dev\"" "--json: the output another refers to comes first"
like "$first" '"references":[]' "it refers to nothing"
like "$second" "\"path\":\"$out\"" "--json: then the one that refers to it"
refs=$(printf '%s\n' "$o1" "$dev" "$out" | sort | sed 's/.*/"&"/' | paste -sd, -)
like "$second" "\"references\":[$refs]" "its references: the input it names, the other output, itself; sorted"
like "$second" "\"deriver\":\"$dr\"" "the deriver, the .drv's store path"
like "$json" '"narHash":"sha256:' "the NAR hash in Nix's base 32"
size=$(printf '%s' "$second" | sed -n 's/.*"narSize":\([0-9]*\).*/\1/p')
[ -n "$size" ] && [ "$size" -gt 400 ]; ok $? "a NAR size ($size)"
case $json in '['*']') ok 0 "--json: one JSON array" ;; *) ok 1 "--json: one JSON array" ;; esac

# The NAR hash is the one a recursive fixed output is checked against:
# the tree above, built with its hash, reports that hash as its NAR hash
# and as its content address; --print-registration has it in base 16.
tree() { drv "tree-$1" 'mkdir -p $out/bin; echo x > $out/data; printf "#!/bin/sh\n" > $out/bin/run; chmod +x $out/bin/run; ln -s data $out/link' out "" "" "" "" r:sha256 "$tree_hash"; }
json=$(build --json "$(tree json)" 2>"$tap_tmp/err")
n32=$(printf '%s' "$json" | sed -n 's/.*"narHash":"sha256:\([0-9a-z]*\)".*/\1/p')
ca=$(printf '%s' "$json" | sed -n 's/.*"ca":"\([^"]*\)".*/\1/p')
is "$ca" "fixed:r:sha256:$n32" "a recursive fixed output: its content address is its NAR hash"
dt=$(tree reg)
reg=$(build --print-registration "$dt" 2>/dev/null)
is "$(printf '%s\n' "$reg" | sed -n 2p)" "$tree_hash" "--print-registration: the NAR hash in base 16 is the fixed hash the output was checked against"
is "$(printf '%s\n' "$reg" | sed -n '1p;5p' | tr '\n' ' ')" "$(outpath "$dt") 0 " \
	"--print-registration: the path, then (after hash, size and deriver) the count of references"
is "$(printf '%s\n' "$reg" | sed -n 4p)" "$dt" "with the deriver"
is "$(printf '%s\n' "$reg" | wc -l)" 5 "and nothing more (no references)"

# Outputs that refer to each other in a cycle, and a fixed output that
# refers to a store path, fail as in Nix; none of their outputs is left.
dc=$(drv cycle 'mkdir -p $out $dev; echo "$dev" > $out/a; echo "$out" > $dev/b' "out dev")
build "$dc" >/dev/null 2>"$tap_tmp/err"; st=$?
is "$st" 125 "outputs that refer to each other: the build fails (125)"
like "$(cat "$tap_tmp/err")" "cycle detected in the references of output" "saying so"
[ ! -e "$(outpath "$dc")" ] && [ ! -e "$(outpath "$dc")-dev" ]; ok $? "and leaves neither output"
fx() { drv "fixed-ref$1" 'mkdir $out; echo "$lib" > $out/ref' out "($(q "$d1"),[\"out\"])" "" "" "(\"lib\",$(q "$o1"))" r:sha256 "$2"; }
build "$(fx 1 "$wrong")" >/dev/null 2>"$tap_tmp/err"
fgot=$(sed -n 's/.*got sha256:\([0-9a-f]*\) .*/\1/p' "$tap_tmp/err")
df=$(fx 2 "$fgot")
build "$df" >/dev/null 2>"$tap_tmp/err"; st=$?
is "$st" 125 "a fixed output that refers to an input: the build fails (125)"
like "$(cat "$tap_tmp/err")" "fixed-output derivations must not reference store paths: '$(outpath "$df")' references 1 distinct paths, e.g. '$o1'" \
	"saying so, as Nix does"
[ ! -e "$(outpath "$df")" ]; ok $? "and leaves no output"
is "$(leftovers)" 0 "no scratch directory is left in the store"

# allowedReferences, disallowedReferences, allowedRequisites and
# disallowedRequisites, as Nix applies them: store paths or output names;
# requisites are the closure, which needs what the inputs refer to
# (--closure in Nix's registration format).
ysrc=$(src y-data "leaf")
xsrc=$(src x-data "refers to $ysrc")
refcheck() { # NAME ATTRS: a derivation whose output refers to $xsrc and itself, with ATTRS
	drv "check-$1" 'mkdir $out; echo "$x" > $out/x; echo "$out" > $out/self' out "" "$(q "$xsrc")" "" "(\"x\",$(q "$xsrc"))${2:+,$2}"
}
attr() { printf '(%s,%s)' "$(q "$1")" "$(q "$2")"; }
printf '%s\n\n1\n%s\n%s\n\n0\n' "$xsrc" "$ysrc" "$ysrc" >"$tap_tmp/closure.reg"
printf '%s\n%s\n' "$xsrc" "$ysrc" >"$tap_tmp/closure.list"
dk=$(refcheck allowed-none "$(attr allowedReferences "")")
build "$dk" >/dev/null 2>"$tap_tmp/err"; st=$?
is "$st" 125 "allowedReferences empty: an output with references fails (125)"
like "$(cat "$tap_tmp/err")" "output '$(outpath "$dk")' is not allowed to refer to the following paths (allowedReferences): " \
	"naming the output"
like "$(cat "$tap_tmp/err")" "$xsrc" "and the paths"
[ ! -e "$(outpath "$dk")" ]; ok $? "and leaves no output"
dk=$(refcheck allowed-both "$(attr allowedReferences "$xsrc out")")
build "$dk" >/dev/null 2>"$tap_tmp/err"; is "$?" 0 "allowedReferences with the input's path and the output's name: builds"
dk=$(refcheck disallowed "$(attr disallowedReferences "$xsrc")")
build "$dk" >/dev/null 2>"$tap_tmp/err"; is "$?" 125 "disallowedReferences naming a reference: fails"
like "$(cat "$tap_tmp/err")" "(disallowedReferences): $xsrc" "naming it"
dk=$(refcheck disallowed-deep "$(attr disallowedReferences "$ysrc")")
build "$dk" >/dev/null 2>"$tap_tmp/err"; is "$?" 0 "disallowedReferences naming a path referred to only through an input: builds"
dk=$(refcheck requisites "$(attr disallowedRequisites "$ysrc")")
build --closure "$tap_tmp/closure.list" "$dk" >/dev/null 2>"$tap_tmp/err"; st=$?
is "$st" 125 "disallowedRequisites with a closure of paths only: fails"
like "$(cat "$tap_tmp/err")" "what $xsrc refers to is not known (give --closure a file in Nix's registration format" \
	"saying what is missing"
dk=$(refcheck requisites-reg "$(attr disallowedRequisites "$ysrc")")
build --closure "$tap_tmp/closure.reg" "$dk" >/dev/null 2>"$tap_tmp/err"; st=$?
is "$st" 125 "disallowedRequisites, the closure in the registration format: a path the input refers to is found"
like "$(cat "$tap_tmp/err")" "(disallowedRequisites): $ysrc" "naming it"
dk=$(refcheck allowed-reqs "$(attr allowedRequisites "out $xsrc $ysrc")")
build --closure "$tap_tmp/closure.reg" "$dk" >/dev/null 2>"$tap_tmp/err"
is "$?" 0 "allowedRequisites listing the whole closure: builds"
dk=$(refcheck illegal "$(attr allowedReferences "bogus")")
build "$dk" >/dev/null 2>"$tap_tmp/err"; st=$?
is "$st" 125 "a reference specifier that is neither a store path nor an output: fails before it runs"
like "$(cat "$tap_tmp/err")" "derivation contains an illegal reference specifier 'bogus'" "as Nix says it"
printf '%s\n\n3\n%s\n' "$xsrc" "$ysrc" >"$tap_tmp/bad.reg"
build --closure "$tap_tmp/bad.reg" "$(refcheck badreg)" >/dev/null 2>"$tap_tmp/err"; st=$?
is "$st" 125 "--closure: a registration that ends early fails"
like "$(cat "$tap_tmp/err")" "has 3 references, the file ends before them" "saying so"

# exportReferencesGraph: the closure of each named input, written into the
# build directory in the registration format, deriver lines empty.
dg=$(drv graph 'mkdir $out; cp graph $out/graph' out "" "$(q "$xsrc")" "" "$(attr exportReferencesGraph "graph $xsrc")")
build --closure "$tap_tmp/closure.reg" "$dg" >/dev/null 2>"$tap_tmp/err"; st=$?
is "$st" 0 "exportReferencesGraph: builds"
want=$(for p in $(printf '%s\n' "$xsrc" "$ysrc" | sort); do
	if [ "$p" = "$xsrc" ]; then printf '%s\n\n1\n%s\n' "$p" "$ysrc"; else printf '%s\n\n0\n' "$p"; fi
done)
is "$(cat "$(outpath "$dg")/graph" 2>/dev/null)" "$want" "the builder finds the input's closure in the registration format"
dg=$(drv graph-unknown 'mkdir $out' out "" "$(q "$xsrc")" "" "$(attr exportReferencesGraph "graph $xsrc")")
build --closure "$tap_tmp/closure.list" "$dg" >/dev/null 2>"$tap_tmp/err"; st=$?
is "$st" 125 "exportReferencesGraph without what the input refers to: fails"
like "$(cat "$tap_tmp/err")" "give --closure a file in Nix's registration format" "saying what to give"
dg=$(drv graph-odd 'mkdir $out' out "" "" "" "$(attr exportReferencesGraph "graph")")
build "$dg" >/dev/null 2>"$tap_tmp/err"; st=$?
like "$st $(cat "$tap_tmp/err")" "125 nsbuild: $dg: odd number of tokens in 'exportReferencesGraph'" "an odd list is refused, as Nix does"

# Fixed outputs hashed with md5, sha1 and sha512 too, flat and recursive,
# the hash as Nix writes it (hex), or in Nix's base 32, base 64 or SRI
# (npm's integrity: sha512-...).
if command -v openssl >/dev/null 2>&1; then
	printf 'npm tarball\n' >"$tap_tmp/npm"
	sri="sha512-$(openssl dgst -sha512 -binary "$tap_tmp/npm" | base64 -w0)"
	d=$(drv npm 'printf "npm tarball\n" > $out' out "" "" "" "" sha512 "$sri")
	o=$(build --json "$d" 2>"$tap_tmp/err"); st=$?
	is "$st" 0 "a sha512 fixed output given as SRI (as npm's integrity) builds"
	like "$o" "\"ca\":\"fixed:sha512:" "its content address names sha512"
	hex=$(md5sum <"$tap_tmp/npm" | cut -c1-32)
	d=$(drv md5 'printf "npm tarball\n" > $out' out "" "" "" "" md5 "$hex")
	build "$d" >/dev/null 2>"$tap_tmp/err"; is "$?" 0 "an md5 fixed output (hex) builds"
	d=$(drv sha1-wrong 'printf "npm tarball\n" > $out' out "" "" "" "" sha1 0000000000000000000000000000000000000000)
	build "$d" >/dev/null 2>"$tap_tmp/err"; st=$?
	is "$st" 125 "a sha1 mismatch fails"
	like "$(cat "$tap_tmp/err")" "got sha1:$(sha1sum <"$tap_tmp/npm" | cut -c1-40)" "naming the sha1 it got"
	d=$(drv tree512-wrong 'mkdir -p $out/bin; echo x > $out/data' out "" "" "" "" r:sha512 "$(printf '%0128d' 0)")
	build "$d" >/dev/null 2>"$tap_tmp/err"
	got512=$(sed -n 's/.*got sha512:\([0-9a-f]*\) .*/\1/p' "$tap_tmp/err")
	d=$(drv tree512 'mkdir -p $out/bin; echo x > $out/data' out "" "" "" "" r:sha512 "$got512")
	build "$d" >/dev/null 2>"$tap_tmp/err"; is "$?" 0 "a recursive sha512 fixed output builds with the NAR hash it reported"
	d=$(drv bad-algo 'echo > $out' out "" "" "" "" sha384 "$(printf '%096d' 0)")
	build "$d" >/dev/null 2>"$tap_tmp/err"; st=$?
	like "$st $(cat "$tap_tmp/err")" "125 nsbuild: $d: output $(outpath "$d"): hash algorithm 'sha384' is not supported" \
		"an algorithm Nix does not have is refused"
else
	for i in 1 2 3 4 5 6 7 8; do skip "no openssl command to compute SRI hashes"; done
fi

# The environment Nix fixes after the derivation's own: a derivation
# cannot move its build directory or log; HOME and PATH it may set.
de=$(drv fixedenv 'mkdir $out; echo "$NIX_BUILD_TOP $TMPDIR $TEMPDIR $TMP $TEMP $PWD $NIX_LOG_FD $TERM $HOME" > $out/env' out "" "" "" \
	"$(attr NIX_BUILD_TOP /evil),$(attr TMPDIR /evil),$(attr TEMPDIR /evil),$(attr TMP /evil),$(attr TEMP /evil),$(attr PWD /evil),$(attr NIX_LOG_FD 7),$(attr TERM dumb),$(attr HOME /custom)")
o=$(build "$de" 2>"$tap_tmp/err")
is "$(cat "$o/env" 2>/dev/null)" "/build /build /build /build /build /build 2 xterm-256color /custom" \
	"the variables Nix fixes keep their values; HOME is the derivation's"
# impureEnvVars: a fixed-output build gets them from nsbuild's own
# environment (empty where unset), and NIX_OUTPUT_CHECKED=1; no other build.
script='echo "[$http_proxy][$NSB_UNSET_VAR][$NIX_OUTPUT_CHECKED]" > $out'
printf '[http://proxy:3128][][1]\n' >"$tap_tmp/impure"
impure_hash=$(sha256sum <"$tap_tmp/impure" | cut -c1-64)
di=$(drv impure "$script" out "" "" "" "$(attr impureEnvVars "http_proxy NSB_UNSET_VAR")" sha256 "$impure_hash")
o=$(http_proxy=http://proxy:3128 build "$di" 2>"$tap_tmp/err"); st=$?
is "$st:$(cat "$o" 2>/dev/null)" "0:[http://proxy:3128][][1]" "impureEnvVars of a fixed output: from nsbuild's environment, empty where unset; NIX_OUTPUT_CHECKED=1"
dp=$(drv pure "$script" out "" "" "" "$(attr impureEnvVars "http_proxy")")
o=$(http_proxy=http://proxy:3128 build "$dp" 2>"$tap_tmp/err")
is "$(cat "$o" 2>/dev/null)" "[][][]" "impureEnvVars of an ordinary derivation: ignored, as Nix does"

# requiredSystemFeatures: what the host offers (--system-features), else
# refused before anything runs; uid-range and recursive-nix by name.
df=$(drv feat-ok 'echo > $out' out "" "" "" "$(attr requiredSystemFeatures "big-parallel")")
build "$df" >/dev/null 2>"$tap_tmp/err"; is "$?" 0 "requiredSystemFeatures big-parallel: offered by default"
df=$(drv feat-cuda 'echo > $out' out "" "" "" "$(attr requiredSystemFeatures "cuda")")
build "$df" >/dev/null 2>"$tap_tmp/err"; st=$?
like "$st $(cat "$tap_tmp/err")" "125 nsbuild: $df: a '$system' with features {cuda} is required to build this derivation, but this host offers {" \
	"a feature the host lacks: refused, naming it"
build --system-features "cuda big-parallel" "$df" >/dev/null 2>"$tap_tmp/err"; is "$?" 0 "--system-features offers it"
df=$(drv feat-uid 'echo > $out' out "" "" "" "$(attr requiredSystemFeatures "uid-range")")
build --system-features uid-range "$df" >/dev/null 2>"$tap_tmp/err"; st=$?
like "$st $(cat "$tap_tmp/err")" "125 nsbuild: $df: the derivation requires the system feature 'uid-range', which nsbuild does not offer" \
	"uid-range: refused by name"
if [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	df=$(drv feat-kvm 'test -c /dev/kvm && echo kvm > $out' out "" "" "" "$(attr requiredSystemFeatures "kvm")")
	o=$(build --system-features kvm "$df" 2>"$tap_tmp/err")
	is "$(cat "$o" 2>/dev/null)" kvm "kvm: /dev/kvm is there, a device"
else
	skip "no usable /dev/kvm"
fi
# __noChroot: refused unless the caller allows it; then built unsandboxed.
dn=$(drv nochroot 'echo "$NIX_BUILD_TOP" > $out' out "" "" "" "$(attr __noChroot 1)")
build "$dn" >/dev/null 2>"$tap_tmp/err"; st=$?
like "$st $(cat "$tap_tmp/err")" "125 nsbuild: $dn: the derivation asks to be built without a sandbox (__noChroot), which is not allowed" \
	"__noChroot: refused by default"
# (Without a sandbox the builder makes its output in the store itself:
# the store must be writable by the build users' group, as Nix's is.)
if is_root; then chgrp 30000 "$store" && chmod 1775 "$store"; fi
o=$(build --allow-no-chroot "$dn" 2>"$tap_tmp/err"); st=$?
if is_root; then chgrp 0 "$store" && chmod 0755 "$store"; fi
is "$st" 0 "--allow-no-chroot: built"
[ "$st" = 0 ] || diag "$(cat "$tap_tmp/err")"
isnt_build=$(cat "$o" 2>/dev/null)
[ -n "$isnt_build" ] && [ "$isnt_build" != /build ]; ok $? "without a sandbox (its build directory is the host's: $isnt_build)"

# What the review found: a registration whose first NAR size has ten
# digits and a leading blank line; a sandbox path is no reference; a
# graph's path may be below a store path, and a name given twice takes the
# later; a long --system-features list.
printf '\n%s\n%s\n1234567890\n\n1\n%s\n%s\n%s\n2\n\n0\n' "$xsrc" "$(printf '%064d' 0)" "$ysrc" "$ysrc" "$(printf '%064d' 0)" \
	>"$tap_tmp/big.reg"
dk=$(refcheck bigreg "$(attr disallowedRequisites "$ysrc")")
build --closure "$tap_tmp/big.reg" "$dk" >/dev/null 2>"$tap_tmp/err"; st=$?
like "$st $(cat "$tap_tmp/err")" "125 nsbuild: output '$(outpath "$dk")' is not allowed to refer to the following paths (disallowedRequisites): $ysrc" \
	"--closure: a registration with a ten-digit NAR size after a blank line is read as one"
ds=$(drv sandboxed-ref 'echo "$x" > $out' out "" "" "" "$(attr x "$ysrc")")
o=$(build --json --sandbox-path "$ysrc" "$ds" 2>"$tap_tmp/err")
like "$o" '"references":[]' "a store path bound with --sandbox-path is no reference"
dg=$(drv graph-below 'mkdir $out; cp g $out/g' out "" "$(q "$xsrc")" "" "$(attr exportReferencesGraph "g $ysrc g $xsrc/sub")")
build --closure "$tap_tmp/closure.reg" "$dg" >/dev/null 2>"$tap_tmp/err"; st=$?
is "$st:$(grep -cx "$xsrc" "$(outpath "$dg")/g" 2>/dev/null)" "0:1" \
	"exportReferencesGraph: a path below a store path, and a name given twice takes the later"
many=$(for i in $(seq 60); do printf 'feature%d ' "$i"; done)gpu
df=$(drv feat-gpu 'echo > $out' out "" "" "" "$(attr requiredSystemFeatures "gpu")")
build --system-features "$many" "$df" >/dev/null 2>"$tap_tmp/err"; is "$?" 0 "--system-features: a long list is read whole"

# --keep-failed: the build directory of a failed build only.
dk=$(drv keep-failed 'echo kept > marker; exit 3' out)
build --keep-failed "$dk" >/dev/null 2>"$tap_tmp/err"; st=$?
kept=$(sed -n 's/^nsbuild: kept build directory //p' "$tap_tmp/err")
is "$st" 3 "--keep-failed: the failed build fails with its builder's status"
[ -n "$kept" ] && [ "$(cat "$kept/marker" 2>/dev/null)" = kept ]; ok $? "and its build directory is kept, named ($kept)"
[ -n "$kept" ] && rm -rf "$(dirname "$kept")"
dk=$(drv keep-ok 'echo > $out' out)
build --keep-failed "$dk" >/dev/null 2>"$tap_tmp/err"; st=$?
is "$st:$(grep -c 'kept build directory' "$tap_tmp/err")" "0:0" "--keep-failed: a build that succeeds keeps nothing"

# --check: rebuild what exists and compare NAR hashes; a difference is kept
# as OUTPUT.check, the diff hook runs (old, new, drv, build dir), exit 1.
dc=$(drv check-same 'echo same > $out' out)
build "$dc" >/dev/null 2>&1
build --check "$dc" >/dev/null 2>"$tap_tmp/err"; st=$?
is "$st" 0 "--check: a deterministic output rebuilds the same (exit 0)"
like "$(cat "$tap_tmp/err")" "output $(outpath "$dc") is the same when rebuilt" "saying so"
[ ! -e "$(outpath "$dc").check" ]; ok $? "and keeps no .check"
printf '#!/bin/sh\necho "$@" > %s/hook.args\n' "$tap_tmp" >"$tap_tmp/hook"
chmod 0755 "$tap_tmp/hook"
dn=$(drv check-random 'cat /proc/sys/kernel/random/uuid > $out' out)
build "$dn" >/dev/null 2>&1
build --check --diff-hook "$tap_tmp/hook" "$dn" >/dev/null 2>"$tap_tmp/err"; st=$?
on=$(outpath "$dn")
is "$st" 1 "--check: an output that differs when rebuilt fails with status 1"
like "$(cat "$tap_tmp/err")" "the rebuild differs from $on (not deterministic)" "naming it"
[ -f "$on.check" ] && ! cmp -s "$on" "$on.check"; ok $? "the rebuild is kept beside it as .check"
like "$(cat "$tap_tmp/hook.args" 2>/dev/null)" "$on $on.check $dn " "the diff hook ran with the old and new paths and the derivation"
build --check "$(drv check-never 'echo > $out' out)" >/dev/null 2>"$tap_tmp/err"; st=$?
like "$st $(cat "$tap_tmp/err")" "125 nsbuild: cannot check output" "--check of an output that was never built: 125"

done_testing
