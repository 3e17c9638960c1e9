#!/bin/sh
# make run: start CodePiper with its dashboard in the foreground.
#
# The Makefile has already checked the Debian packages (deps-check) and built
# the programs. Here: build the dashboard when its sources are present and
# the build is missing or older than them, say how to sign in, and exec
#   agentd --web --port $PORT
# (PORT defaults to $CODEPIPER_HTTP_PORT, else 3000; HOST to 127.0.0.1).
# Extra arguments go to agentd. Ctrl+C stops agentd, which stops nginx and codepiper-fcgi.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CODEPIPER_BIN:-$root/build/bin}
port=${PORT:-${CODEPIPER_HTTP_PORT:-3000}}
host=${HOST:-127.0.0.1}
data=${CODEPIPER_HOME:-${HOME:-/tmp}/.codepiper}
dash=$root/nginx/dashboard

if [ -f "$dash/package.json" ]; then
	if ! command -v npm >/dev/null 2>&1; then
		echo "run: npm not found; the dashboard will not be rebuilt" >&2
	else
		if [ ! -d "$dash/node_modules" ] ||
		    [ "$dash/package-lock.json" -nt "$dash/node_modules" ]; then
			echo "run: installing the dashboard's packages (npm ci)"
			(cd "$dash" && npm ci --no-audit --no-fund)
		fi
		if [ ! -f "$dash/dist/index.html" ] || [ -n "$(find "$dash/src" \
		    "$dash/index.html" "$dash/package.json" "$dash/public" \
		    -newer "$dash/dist/index.html" 2>/dev/null | head -n 1)" ]; then
			echo "run: building the dashboard (npm run build)"
			(cd "$dash" && npm run build)
		fi
	fi
fi

# Is a dashboard password already set? (No row: agentd makes one now.)
configured=0
if [ -f "$data/codepiper.db" ] && command -v sqlite3 >/dev/null 2>&1; then
	n=$(sqlite3 "$data/codepiper.db" \
	    "SELECT count(*) FROM auth_config" 2>/dev/null || echo 0)
	[ "$n" = 1 ] && configured=1
fi

echo
echo "CodePiper: http://$host:$port/   (Ctrl+C to stop)"
if [ -f "$data/bootstrap-password" ]; then
	echo "Sign in with the generated password in $data/bootstrap-password"
	if [ -t 1 ]; then
		printf '    %s\n' "$(cat "$data/bootstrap-password")"
	fi
	echo "then set up two-factor authentication in an authenticator app."
elif [ "$configured" = 1 ]; then
	echo "Sign in with your dashboard password. Forgot it? While this runs:"
	echo "    $bin/codepiper auth reset-password --generate"
else
	echo "First start: agentd generates a dashboard password and prints it"
	echo "below (or, without a terminal, writes it to $data/bootstrap-password)."
	echo "Sign in with it, then set up two-factor authentication."
fi
echo

exec "$bin/agentd" --web --port "$port" --host "$host" "$@"
