#!/usr/bin/env bash
# The live terminal: pane output -> WebSocket client latency, keystroke echo
# and 100 clients watching 10 busy sessions, through the real nginx
# (agentd --web starts nginx, codepiper-fcgi and codepiper-ws), with a
# comparison straight to codepiper-ws. The client is bench/ws-bench.mjs
# (node + the `ws` package of tests/browser). Uses the optimised build
# ($CODEPIPER_BIN, default build/bin).
#
#   BENCH_SAMPLES=300 BENCH_LOAD_SECONDS=10 BENCH_CLIENTS=100 BENCH_SESSIONS=10
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export CODEPIPER_BIN=${CODEPIPER_BIN:-$root/build/bin}
for p in node tmux; do
	command -v $p >/dev/null || { echo "ws bench: $p not installed"; exit 1; }
done
nginx=${CODEPIPER_NGINX:-/usr/sbin/nginx}
if [[ ! -x $nginx ]] && ! command -v nginx >/dev/null; then
	# agentd --web needs nginx; without it there is no web edge to measure.
	echo "ws bench: nginx not installed (make deps); skipped"
	exit 0
fi
for prog in agentd codepiper codepiper-fcgi codepiper-ws; do
	[[ -x $CODEPIPER_BIN/$prog ]] || { echo "ws bench: $CODEPIPER_BIN/$prog missing (make)"; exit 1; }
done
if [[ ! -d $root/tests/browser/node_modules/ws ]]; then
	(cd "$root/tests/browser" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
exec node "$root/bench/ws-bench.mjs"
