#!/usr/bin/env bash
# make bench: every benchmark script in bench/ against the optimised build.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
status=0
for script in "$root"/bench/*.sh; do
	[[ $(basename "$script") == run.sh ]] && continue
	echo "== $(basename "$script" .sh)"
	bash "$script" || { echo "   (failed: $script)"; status=1; }
done
exit $status
