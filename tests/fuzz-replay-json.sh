#!/bin/sh
# Replay the committed corpus of the JSON reader (structured attributes)
# through its fuzz target: nothing may crash, abort or, under ASan, leak.
# Built only with json-c.
json="$top_builddir/tests/fuzz/fuzz-json-replay"
[ -x "$json" ] || { echo "1..0 # SKIP built without json-c"; exit 0; }
exec "$json" "$top_srcdir/tests/fuzz/corpus/json"
