#!/bin/sh
# make run: start the daemon in the foreground with the dashboard on
# http://127.0.0.1:3000 (when the web edge is built), printing how to sign in.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -f "$root/nginx/dashboard/package.json" ] && [ ! -f "$root/nginx/dashboard/dist/index.html" ]; then
	echo "Building the dashboard..."
	(cd "$root/nginx/dashboard" && npm ci --no-audit --no-fund && npm run build)
fi
exec "$root/build/bin/agentd" --web --port "${PORT:-3000}" --host "${HOST:-127.0.0.1}"
