#!/bin/sh
# Replay the committed fuzzing corpus through the fuzz target (built with
# the replay driver for every compiler): nothing may crash, abort or, under
# ASan, leak.
exec "$top_builddir/tests/fuzz/fuzz-drv-replay" "$top_srcdir/tests/fuzz/corpus/drv"
