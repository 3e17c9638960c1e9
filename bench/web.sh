#!/usr/bin/env bash
# The web edge under load: GET /api/health and GET /api/sessions through the
# real nginx -> codepiper-fcgi -> agentd's web socket, signed in with a
# session cookie (wrk, 32 connections, 10 s each), plus a static file for
# comparison. Uses the optimised build ($CODEPIPER_BIN, default build/bin).
#
# The API rate limiter (300 requests / 10 s per client by default) would turn
# nearly every request into a 429 here, since all of wrk's connections come
# from 127.0.0.1: it is raised for this run (CODEPIPER_API_RATE_LIMIT_MAX).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CODEPIPER_BIN:-$root/build/bin}
tools=${CODEPIPER_TOOLS:-$(dirname "$bin")/tests/tools}
duration=${BENCH_DURATION:-10s}
connections=${BENCH_CONNECTIONS:-32}
for p in wrk curl jq perl; do
	command -v $p >/dev/null || { echo "web bench: $p not installed"; exit 1; }
done
[[ -x $tools/totp ]] || { echo "web bench: $tools/totp missing (make)"; exit 1; }

tmp=$(mktemp -d /tmp/cpbench-web.XXXXXX)
tmux_name=cpbench-web-$$
export HOME=$tmp/home CODEPIPER_HOME=$tmp/home/.codepiper
export CODEPIPER_TMUX_SOCKET=$tmux_name CODEPIPER_API_RATE_LIMIT_MAX=1000000000
mkdir -p "$HOME"
sock=$tmp/agentd.sock
cleanup() {
	[[ -n ${pid:-} ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	tmux -L "$tmux_name" kill-server 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

port=$(perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(Listen => 1,
    LocalAddr => "127.0.0.1", LocalPort => 0)->sockport')
"$bin/agentd" --socket "$sock" --web --port "$port" >"$tmp/agentd.log" 2>&1 &
pid=$!
base=http://127.0.0.1:$port
for _ in $(seq 200); do
	curl -sf -o /dev/null "$base/api/health" && break
	sleep 0.05
done
curl -sf -o /dev/null "$base/api/health" || {
	echo "web bench: the web edge did not come up"; cat "$tmp/agentd.log"; exit 1; }

# Sign in as a browser would: bootstrap password, MFA enrolment, cookie.
post() { curl -s -X POST -H 'Content-Type: application/json' "$@"; }
password=$(cat "$CODEPIPER_HOME/bootstrap-password")
onboarding=$(post -D - -o /dev/null --data "$(jq -nc --arg p "$password" \
    '{password:$p}')" "$base/api/auth/login" | tr -d '\r' |
    sed -n 's/^[Ss]et-[Cc]ookie: codepiper_onboarding=\([0-9a-f]*\);.*/\1/p')
secret=$(post -H "Cookie: codepiper_onboarding=$onboarding" \
    "$base/api/auth/mfa/setup" | jq -r .secret)
token=$(post -H "Cookie: codepiper_onboarding=$onboarding" \
    --data "{\"totpCode\":\"$("$tools/totp" "$secret")\"}" \
    "$base/api/auth/mfa/verify" | jq -r .token)
cookie="Cookie: codepiper_session=$token"
[[ $(curl -s -o /dev/null -w '%{http_code}' -H "$cookie" "$base/api/sessions") == 200 ]] || {
	echo "web bench: could not sign in"; exit 1; }

# wrk's "Latency Distribution" in ms, whatever unit it printed.
to_ms() {
	awk -v v="$1" 'BEGIN {
		if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
		else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
		else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
		else printf "%s", v }'
}

run() { # LABEL PATH [HEADER]
	local label=$1 path=$2 out rps p50 p90 p99 bad
	shift 2
	out=$(wrk -t2 -c"$connections" -d"$duration" --latency "$@" "$base$path")
	rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
	p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
	p90=$(to_ms "$(awk '$1 == "90%" { print $2 }' <<<"$out")")
	p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
	bad=$(awk '/Non-2xx or 3xx responses:/ { print $5 }' <<<"$out")
	printf 'web %-34s %9.0f req/s  p50 %7s ms  p90 %7s ms  p99 %7s ms  non-2xx %s\n' \
	    "$label" "$rps" "$p50" "$p90" "$p99" "${bad:-0}"
}

echo "web edge: nginx -> codepiper-fcgi -> agentd, wrk $connections connections x $duration, $(nproc) CPUs"
run "GET /api/health (cookie)" /api/health -H "$cookie"
run "GET /api/sessions (cookie)" /api/sessions -H "$cookie"
run "GET /api/sessions (no cookie: 401)" /api/sessions
run "GET / (static, nginx only)" /
