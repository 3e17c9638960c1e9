#!/usr/bin/env bash
# Browser and WebSocket tests: node's test runner with playwright-core on
# Debian's Chromium (never a browser download). Builds the dashboard first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ ! -x /usr/bin/chromium ]]; then
	echo "chromium is missing: run 'make deps'" >&2
	exit 1
fi
(cd "$root/nginx/dashboard" && npm ci --no-audit --no-fund --loglevel=error && npm run build)
(cd "$root/tests/browser" && npm ci --no-audit --no-fund --loglevel=error)
export CODEPIPER_BIN=${CODEPIPER_BIN:-$root/build/san/bin}
export CODEPIPER_TOOLS=${CODEPIPER_TOOLS:-$root/build/san/tests/tools}
cd "$root/tests/browser"
node --test --test-concurrency=1 .
