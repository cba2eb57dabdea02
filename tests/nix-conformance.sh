#!/bin/sh
# nsbuild against Nix itself (Debian's nix-bin 2.8): derivations written by
# nix-instantiate, each built by Nix and by nsbuild, in a store of the
# test's own (NIX_STORE_DIR and friends: nothing of /nix is touched).  They
# must succeed or fail alike; where they succeed, the NAR hash, NAR size and
# references nsbuild reports must be Nix's; and nsbuild's registration,
# loaded into Nix's database, must pass nix-store --verify --check-contents.
. "${top_srcdir:-.}/tests/tap.sh"

is_root || skip_all "needs root (Nix's single-user builds here, and nsbuild's build users)"
for tool in nix-instantiate nix-store; do
	command -v $tool >/dev/null 2>&1 || skip_all "Nix is not installed (apt-get install nix-bin; .ci/install-deps does)"
done
bb=$(path_of busybox) && is_static "$bb" || skip_all "no static busybox for the builders' /bin/sh (apt-get install busybox-static)"
"$NSBUILD" --version | grep -q -- '+SHA256' || skip_all "nsbuild is built without a hash library"
"$NSBUILD" --version | grep -q -- '+JSON' || skip_all "nsbuild is built without json-c (structured attributes, --json)"
why=$(require_full)
case $why in
"Bail out!"*) echo "$why"; exit 1 ;;
"1..0 # SKIP "*) skip_all "${why#1..0 # SKIP }" ;;
esac

chmod 0755 "$tap_tmp"
export NIX_STORE_DIR="$tap_tmp/store" NIX_STATE_DIR="$tap_tmp/state" NIX_LOG_DIR="$tap_tmp/log" NIX_CONF_DIR="$tap_tmp/etc"
mkdir -p "$NIX_CONF_DIR" "$tap_tmp/work"
printf 'build-users-group =\nsandbox-paths = /bin/sh=%s /bin/busybox=%s\nsubstituters =\n' "$bb" "$bb" >"$NIX_CONF_DIR/nix.conf"
store=$NIX_STORE_DIR
nix() { "$@" 2>>"$tap_tmp/nix.log"; }

# A derivation for each case, written to a .nix file; $1: its name.
expr() { cat >"$tap_tmp/work/$1.nix"; }
expr refs <<'EOF'
let
  src = builtins.toFile "data.txt" "some data\n";
  dep = derivation { name = "dep"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo dep > $out" ]; };
in derivation {
  name = "refs"; system = builtins.currentSystem; builder = "/bin/sh"; outputs = [ "out" "dev" ];
  args = [ "-c" "read x < ${src}; echo \"$x ${src} ${dep}\" > $out; echo $out > $dev" ];
}
EOF
expr disallowed <<'EOF'
let dep = derivation { name = "dep2"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo dep > $out" ]; };
in derivation {
  name = "disallowed"; system = builtins.currentSystem; builder = "/bin/sh";
  args = [ "-c" "echo ${dep} > $out" ]; disallowedReferences = [ dep ];
}
EOF
expr respected <<'EOF'
let
  dep = derivation { name = "dep3"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo dep > $out" ]; };
  other = builtins.toFile "other.txt" "other\n";
in derivation {
  name = "respected"; system = builtins.currentSystem; builder = "/bin/sh";
  args = [ "-c" "echo ${dep} > $out" ]; disallowedReferences = [ other ];
}
EOF
expr requisites <<'EOF'
let
  leaf = builtins.toFile "leaf.txt" "leaf\n";
  mid = derivation { name = "mid"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo ${leaf} > $out" ]; };
in derivation {
  name = "requisites"; system = builtins.currentSystem; builder = "/bin/sh";
  args = [ "-c" "echo ${mid} > $out" ]; allowedRequisites = [ "out" mid leaf ];
}
EOF
expr requisites-violated <<'EOF'
let
  leaf = builtins.toFile "leaf2.txt" "leaf\n";
  mid = derivation { name = "mid2"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo ${leaf} > $out" ]; };
in derivation {
  name = "requisites-violated"; system = builtins.currentSystem; builder = "/bin/sh";
  args = [ "-c" "echo ${mid} > $out" ]; disallowedRequisites = [ leaf ];
}
EOF
expr graph <<'EOF'
let
  leaf = builtins.toFile "leaf3.txt" "leaf\n";
  mid = derivation { name = "mid3"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo ${leaf} > $out" ]; };
in derivation {
  name = "graph"; system = builtins.currentSystem; builder = "/bin/sh";
  args = [ "-c" "while read -r l; do echo \"$l\"; done < graph > $out" ]; exportReferencesGraph = [ "graph" mid ];
}
EOF
expr sha512 <<'EOF'
derivation {
  name = "sha512"; system = builtins.currentSystem; builder = "/bin/sh";
  args = [ "-c" "echo npm tarball > $out" ];
  outputHashAlgo = "sha512"; outputHashMode = "flat";
  outputHash = "sha512-SHA512HASH";
}
EOF
expr fixed-ref <<'EOF'
let dep = derivation { name = "dep4"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo dep > $out" ]; };
in derivation {
  name = "fixed-ref"; system = builtins.currentSystem; builder = "/bin/sh";
  args = [ "-c" "echo ${dep} > $out" ];
  outputHashAlgo = "sha256"; outputHashMode = "recursive"; outputHash = "FIXEDREFHASH";
}
EOF
expr fixed-self <<'EOF'
derivation {
  name = "fixed-self"; system = builtins.currentSystem; builder = "/bin/sh";
  args = [ "-c" "echo $out > $out" ];
  outputHashAlgo = "sha256"; outputHashMode = "flat"; outputHash = "FIXEDREFHASH";
}
EOF
expr exec-flat <<'EOF'
derivation {
  name = "exec-flat"; system = builtins.currentSystem; builder = "/bin/sh";
  args = [ "-c" "echo hello > $out; chmod +x $out" ];
  outputHashAlgo = "sha256"; outputHashMode = "flat"; outputHash = "FIXEDREFHASH";
}
EOF
expr requisites-self <<'EOF'
let
  leaf = builtins.toFile "leaf4.txt" "leaf\n";
  mid = derivation { name = "mid4"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo ${leaf} > $out" ]; };
in derivation {
  name = "requisites-self"; system = builtins.currentSystem; builder = "/bin/sh";
  args = [ "-c" "echo $out ${mid} > $out" ]; allowedRequisites = [ mid leaf ];
}
EOF
expr graph-drv <<'EOF'
let
  leaf = builtins.toFile "leaf5.txt" "leaf\n";
  mid = derivation { name = "mid5"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo ${leaf} > $out" ]; };
in derivation {
  name = "graph-drv"; system = builtins.currentSystem; builder = "/bin/sh";
  args = [ "-c" "while read -r l; do echo \"$l\"; done < g > $out" ]; exportReferencesGraph = [ "g" mid.drvPath ];
}
EOF
# Output placeholders (builtins.placeholder) stand for the outputs' paths
# in the arguments, the environment and passAsFile's files.
expr placeholder <<'EOF'
derivation {
  name = "placeholder"; system = builtins.currentSystem; builder = "/bin/sh"; outputs = [ "out" "dev" ];
  args = [ "-c" "echo \"$ph $devph ${builtins.placeholder "out"}\" > $out; /bin/busybox cat $pfPath >> $out; /bin/busybox tr '\\0' '\\n' < /proc/$$/environ | /bin/busybox grep 'Path=' | /bin/busybox sort >> $out; echo > $dev" ];
  ph = builtins.placeholder "out"; devph = builtins.placeholder "dev"; pf = "in a file: ${builtins.placeholder "dev"}";
  "${builtins.placeholder "dev"}x" = "named by a placeholder";
  passAsFile = [ "pf" "${builtins.placeholder "dev"}x" ];
}
EOF
# Structured attributes: the builder has no variable of the derivation's;
# it copies what it got (.attrs.json, .attrs.sh) into its output, whose
# NAR hash then says both are Nix's byte for byte.  It finds its output's
# path in .attrs.json (busybox's sed).
expr structured <<'EOF'
let script = builtins.toFile "copy-attrs.sh" ''
  out=$(/bin/busybox sed -n 's/.*"outputs":{[^}]*"out":"\([^"]*\)".*/\1/p' .attrs.json)
  doc=$(/bin/busybox sed -n 's/.*"outputs":{[^}]*"doc":"\([^"]*\)".*/\1/p' .attrs.json)
  /bin/busybox mkdir -p $out
  /bin/busybox cp .attrs.json .attrs.sh $out/
  echo > $doc
'';
in derivation {
  name = "structured"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ script ];
  __structuredAttrs = true; outputs = [ "out" "doc" ];
  str = "it's \"quoted\"\nnew line \ttab é ü \\ back"; empty = ""; dollar = "\${x} $(y) `z`";
  num = 42; neg = -7; zero = 0; big = 4294967297; flt = 1.5; third = 1.0 / 3.0; tenth = 0.1; huge = 1.0e20;
  tiny = 1.5e-7; round = 100.0; negflt = -2.5; grisu = [ 1.0e23 4.6e22 7.2423e20 ];
  floats = builtins.genList (i: 1.0e22 / (i + 3.0)) 300 ++ builtins.genList (i: (i + 1.0) * 1.1e-7) 300
    ++ builtins.genList (i: 3.0e300 / (i * i + 7.0)) 300;
  yes = true; no = false; nothing = null;
  list = [ "a" "b c" 3 true null "it's" ]; mixed = [ "a" [ "nested" ] ]; emptyList = [ ];
  obj = { k = "v"; "odd key" = "x"; n = 1; "it's" = false; }; nested = { deep = { x = 1; }; }; emptyObj = { };
  "bad-name" = "skip"; "_ok" = "fine"; "9lives" = "skip";
  ph = builtins.placeholder "out"; phdoc = "doc at ${builtins.placeholder "doc"}";
}
EOF
expr structured-graph <<'EOF'
let
  leaf = builtins.toFile "sleaf.txt" "leaf\n";
  mid = derivation { name = "smid"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo ${leaf} > $out" ]; };
  script = builtins.toFile "copy-json.sh" ''
    out=$(/bin/busybox sed -n 's/.*"outputs":{[^}]*"out":"\([^"]*\)".*/\1/p' .attrs.json)
    /bin/busybox cp .attrs.json $out
  '';
in derivation {
  name = "structured-graph"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ script ];
  __structuredAttrs = true;
  exportReferencesGraph = { closure = [ mid ]; also = [ leaf ]; };
  outputChecks.out = { maxClosureSize = 100000; allowedRequisites = [ "out" mid leaf ]; };
}
EOF
expr structured-maxsize <<'EOF'
let script = builtins.toFile "big.sh" ''
  out=$(/bin/busybox sed -n 's/.*"outputs":{[^}]*"out":"\([^"]*\)".*/\1/p' .attrs.json)
  echo 0123456789abcdef > $out
'';
in derivation {
  name = "structured-maxsize"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ script ];
  __structuredAttrs = true; outputChecks.out.maxSize = 100;
}
EOF
expr structured-requisites <<'EOF'
let
  leaf = builtins.toFile "sleaf2.txt" "leaf\n";
  mid = derivation { name = "smid2"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo ${leaf} > $out" ]; };
  script = builtins.toFile "name-mid.sh" ''
    out=$(/bin/busybox sed -n 's/.*"outputs":{[^}]*"out":"\([^"]*\)".*/\1/p' .attrs.json)
    /bin/busybox sed -n 's/.*"mid":"\([^"]*\)".*/\1/p' .attrs.json > $out
  '';
in derivation {
  name = "structured-requisites"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ script ];
  __structuredAttrs = true; inherit mid; outputChecks.out.disallowedRequisites = [ leaf ];
}
EOF
printf 'npm tarball\n' >"$tap_tmp/npm"
cases="refs disallowed respected requisites requisites-violated requisites-self graph graph-drv sha512 fixed-ref fixed-self exec-flat"
cases="$cases placeholder structured structured-graph structured-maxsize structured-requisites"
if command -v openssl >/dev/null 2>&1; then
	sed -i "s|SHA512HASH|$(openssl dgst -sha512 -binary "$tap_tmp/npm" | base64 -w0)|" "$tap_tmp/work/sha512.nix"
else
	cases=$(echo "$cases" | sed 's/ sha512//')
	skip "sha512: no openssl command to write its SRI hash"
fi

# A fixed output needs its real hash for either to get past the hash (to
# the reference, to the executable bit): Nix says it on a mismatch.  For
# the one naming its own path, that is Nix's hash modulo the reference.
for fx in fixed-ref fixed-self exec-flat; do
	sed -i 's|FIXEDREFHASH|sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=|' "$tap_tmp/work/$fx.nix"
	d=$(nix nix-instantiate "$tap_tmp/work/$fx.nix")
	got=$(nix-store --realise "$d" 2>&1 | sed -n 's/^ *got: *\(sha256-[A-Za-z0-9+/=]*\).*/\1/p' | head -n 1)
	sed -i "s|sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=|$got|" "$tap_tmp/work/$fx.nix"
done

# query PATH: Nix's hash, size and references of a valid path, one line.
query() { printf '%s %s %s' "$(nix nix-store -q --hash "$1")" "$(nix nix-store -q --size "$1")" "$(nix nix-store -q --references "$1" | sort | tr '\n' ' ')"; }
# from_json JSON PATH: the same from nsbuild's --json.
from_json() {
	obj=$(printf '%s' "$1" | sed 's/},{/}\n{/g' | grep -F "\"path\":\"$2\"")
	printf '%s %s %s' "$(printf '%s' "$obj" | sed -n 's/.*"narHash":"\([^"]*\)".*/\1/p')" \
		"$(printf '%s' "$obj" | sed -n 's/.*"narSize":\([0-9]*\).*/\1/p')" \
		"$(printf '%s' "$obj" | sed -n 's/.*"references":\[\([^]]*\)\].*/\1/p' | tr -d '"' | tr ',' '\n' | sed '/^$/d' | sort | tr '\n' ' ')"
}

for case in $cases; do
	drv=$(nix nix-instantiate "$tap_tmp/work/$case.nix")
	if [ -z "$drv" ]; then
		ok 1 "$case: nix-instantiate"; diag "$(tail -n 5 "$tap_tmp/nix.log")"; continue
	fi
	outs=$(nix nix-store -q --outputs "$drv")
	# The inputs, built by Nix, and their closure in the registration
	# format, as nix-store --dump-db writes it.
	for in_drv in $(nix nix-store -q --references "$drv" | grep '\.drv$'); do nix nix-store --realise "$in_drv" >/dev/null; done
	# (A .drv among them is an input derivation, whose outputs are the
	# inputs, or, named by its drvPath, an input itself: both.)
	inputs=$(for p in $(nix nix-store -q --references "$drv"); do
		case $p in *.drv) echo "$p"; nix nix-store -q --outputs "$p" ;; *) echo "$p" ;; esac
	done)
	: >"$tap_tmp/$case.reg"
	if [ -n "$inputs" ]; then
		case $case in
		# What structured attributes export has content addresses:
		# the closure as Nix's path information.
		structured*) nix command nix --extra-experimental-features nix-command path-info --json -r $inputs >"$tap_tmp/$case.reg" ;;
		*) nix nix-store --dump-db $(nix nix-store -qR $inputs) >"$tap_tmp/$case.reg" ;;
		esac
	fi

	nix nix-store --realise "$drv" >/dev/null; nix_st=$?
	nix_info=
	if [ $nix_st -eq 0 ]; then
		for o in $outs; do nix_info="$nix_info$o $(query "$o")|"; done
		# (--ignore-liveness: Nix's runtime roots come from every
		# process's /proc, which a busy machine fills with false ones.)
		nix nix-store --delete --ignore-liveness $outs >/dev/null
		for o in $outs; do [ ! -e "$o" ] || diag "$case: Nix did not delete $o: $(tail -n 3 "$tap_tmp/nix.log")"; done
	fi
	json=$("$NSBUILD" build --json --store "$store" --sandbox-path "/bin/sh=$bb" --sandbox-path "/bin/busybox=$bb" --closure "$tap_tmp/$case.reg" "$drv" 2>"$tap_tmp/$case.err"); ns_st=$?
	if [ $nix_st -eq 0 ]; then nix_res=success; else nix_res=failure; fi
	if [ $ns_st -eq 0 ]; then ns_res=success; else ns_res=failure; fi
	if [ "$case" = fixed-ref ]; then
		# The one difference on purpose: Nix 2.8 registers a fixed
		# output that refers to a store path; later Nix refuses it
		# ("fixed-output derivations must not reference store paths"),
		# and so does nsbuild.
		is "$nix_res $ns_res" "success failure" "$case: Nix 2.8 builds it; nsbuild refuses it, as later Nix does"
		like "$(cat "$tap_tmp/$case.err")" "fixed-output derivations must not reference store paths" "$case: saying so"
		continue
	fi
	is "$ns_res" "$nix_res" "$case: nsbuild's $ns_res is Nix's"
	[ "$ns_res" = "$nix_res" ] || diag "nsbuild: $(cat "$tap_tmp/$case.err")" "nix: $(tail -n 3 "$tap_tmp/nix.log")"
	[ $nix_st -eq 0 ] && [ $ns_st -eq 0 ] || continue
	ns_info=
	for o in $outs; do ns_info="$ns_info$o $(from_json "$json" "$o")|"; done
	is "$ns_info" "$nix_info" "$case: NAR hash, NAR size and references of every output are Nix's"
	# The registration, loaded into Nix's database, checks out.
	rm -rf $outs
	"$NSBUILD" build --print-registration --store "$store" --sandbox-path "/bin/sh=$bb" --sandbox-path "/bin/busybox=$bb" --closure "$tap_tmp/$case.reg" "$drv" \
		>"$tap_tmp/$case.registration" 2>"$tap_tmp/$case.err"
	nix nix-store --register-validity --hash-given <"$tap_tmp/$case.registration"; st=$?
	for o in $outs; do nix nix-store --verify-path "$o" || st=1; done
	ok $st "$case: nsbuild's --print-registration, loaded with nix-store --register-validity --hash-given, verifies"
done
nix nix-store --verify --check-contents; ok $? "nix-store --verify --check-contents over the whole store"

done_testing
