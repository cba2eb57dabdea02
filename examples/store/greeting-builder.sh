#!/bin/sh
# Builder of greeting-1.0.drv: depends on hello-1.0's output, which the
# sandbox shows it read-only at its store path ($hello).
set -eu
mkdir -p "$out/share" "$out/bin"
"$hello/bin/hello" >"$out/share/greeting"
echo "builder: $hello/bin/hello said: $(cat "$out/share/greeting")"
printf '#!/bin/sh\nexec %s/bin/hello "$@"\n' "$hello" >"$out/bin/greet"
chmod +x "$out/bin/greet"
echo "builder: wrote $out/bin/greet"
