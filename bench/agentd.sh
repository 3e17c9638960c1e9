#!/usr/bin/env bash
# agentd over its CLI socket (optimised build): request latency, session
# start-up, idle cost with 50 sessions, and send -> output latency.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CODEPIPER_BIN:-$root/build/bin}
tools=${CODEPIPER_TOOLS:-$root/build/tests/tools}
tmp=$(mktemp -d)
tmux_name=cpbench-$$
export HOME=$tmp/home CODEPIPER_HOME=$tmp/home/.codepiper CODEPIPER_TMUX_SOCKET=$tmux_name
export PATH=$root/tests/bin:$PATH
mkdir -p "$HOME" "$tmp/work"
sock=$tmp/agentd.sock
cleanup() {
	[[ -n ${pid:-} ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	tmux -L "$tmux_name" kill-server 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

"$bin/agentd" --socket "$sock" >"$tmp/agentd.log" 2>&1 &
pid=$!
for _ in $(seq 200); do [[ -S $sock ]] && break; sleep 0.05; done
b="$tools/bench-http $sock"

read -r med p99 _ < <($b latency GET /health 2000)
printf 'agentd GET /health:                   median %6.3f ms  p99 %6.3f ms  (2000 requests)\n' "$med" "$p99"

hz=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
c0=$(ticks "$pid")
read -r total < <($b create-sessions 50 "$tmp/work" claude-code 2>"$tmp/ids")
c1=$(ticks "$pid")
printf 'agentd start 50 sessions:             %6.1f ms total (%.1f ms each; agentd CPU %d ms; the 50 stand-in claudes start and run their SessionStart hooks meanwhile)\n' \
	"$total" "$(echo "$total / 50" | bc -l)" "$(( (c1 - c0) * 1000 / hz ))"

read -r med p99 _ < <($b latency GET /sessions 1000)
printf 'agentd GET /sessions (50 sessions):   median %6.3f ms  p99 %6.3f ms  (1000 requests)\n' "$med" "$p99"

first=$(head -1 "$tmp/ids")
# Let every stand-in finish starting before measuring the idle cost.
for _ in $(seq 100); do
	n=$(curl -s --unix-socket "$sock" http://l/sessions | jq '[.sessions[] | select(.status=="RUNNING")] | length')
	[[ $n == 50 ]] && break
	sleep 0.1
done
read -r med p99 _ < <($b latency POST "/sessions/$first/send" '{"text":"x","newline":false}' 1000)
printf 'agentd POST /sessions/:id/send:       median %6.3f ms  p99 %6.3f ms  (1000 requests)\n' "$med" "$p99"

read -r med p99 _ < <($b echo-latency "$first" 200)
printf 'agentd send -> /output shows it:      median %6.3f ms  p99 %6.3f ms  (200 round trips)\n' "$med" "$p99"

sleep 2
tmux_pid=$(tmux -L "$tmux_name" display-message -p '#{pid}')
a0=$(ticks "$pid"); t0=$(ticks "$tmux_pid")
seconds=${BENCH_IDLE_SECONDS:-30}
sleep "$seconds"
a1=$(ticks "$pid"); t1=$(ticks "$tmux_pid")
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
printf 'load average while measuring: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'agentd idle, 50 sessions, %ds:        CPU %5.2f%% (tmux server %5.2f%%)  RSS %.1f MB\n' "$seconds" \
	"$(echo "($a1 - $a0) * 100 / $hz / $seconds" | bc -l)" \
	"$(echo "($t1 - $t0) * 100 / $hz / $seconds" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
