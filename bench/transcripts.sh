#!/usr/bin/env bash
# Transcripts and analytics (optimised build):
#   1. agentd ingests a generated 100 MB Claude Code transcript for a live
#      session: wall time from the file appearing to the last token counted,
#      and agentd's peak RSS (goal: < 2 s, < 30 MB);
#   2. GET /analytics/* latency over a year of daily history (goal: a few
#      ms, independent of how much history there is).
# Environment: CODEPIPER_BIN, CODEPIPER_TOOLS (default build/bin and
# build/tests/tools), BENCH_TRANSCRIPT_MB (default 100).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CODEPIPER_BIN:-$root/build/bin}
tools=${CODEPIPER_TOOLS:-$root/build/tests/tools}
mb=${BENCH_TRANSCRIPT_MB:-100}
tmp=$(mktemp -d)
tmux_name=cpbench-tr-$$
export HOME=$tmp/home CODEPIPER_HOME=$tmp/home/.codepiper CODEPIPER_TMUX_SOCKET=$tmux_name
export PATH=$root/tests/bin:$PATH
mkdir -p "$HOME" "$tmp/work"
sock=$tmp/agentd.sock
pid=
cleanup() {
	[[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	tmux -L "$tmux_name" kill-server 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

api() { curl -s --unix-socket "$sock" "http://localhost$1" "${@:2}"; }
start() {
	"$bin/agentd" --socket "$sock" >>"$tmp/agentd.log" 2>&1 &
	pid=$!
	for _ in $(seq 400); do api /health -o /dev/null -f && return 0; sleep 0.025; done
	echo "agentd did not start:"; cat "$tmp/agentd.log"; exit 1
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=; }
now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }
kb() { awk '/^'"$1"':/ {print $2}' "/proc/$pid/status"; }
# agentd's CPU time (user + system) in ms: the figure that does not depend
# on what else the machine runs.
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$pid/stat"; }

# ---- 1. a 100 MB transcript
# Claude Code's shapes: prompts, assistant messages whose text and tool_use
# blocks come as two lines with the same message id and usage, tool results
# of a few KB, hook attachments, and now and then a 64 KB line. The
# generator also prints the totals the daemon must arrive at.
gen=$tmp/generated.jsonl
awk -v target=$((mb * 1024 * 1024)) -v sid=bench -v totals="$tmp/totals" \
	-f "$root/bench/gen-transcript.awk" >"$gen"
read -r want_tokens messages <"$tmp/totals"
size_mb=$(($(stat -c %s "$gen") / 1024 / 1024))
lines=$(wc -l <"$gen")

start
id=$(api /sessions -X POST -H 'Content-Type: application/json' \
	-d "{\"provider\":\"claude-code\",\"cwd\":\"$tmp/work\"}" | jq -r .session.id)
for _ in $(seq 200); do
	[[ $(api "/sessions/$id" | jq -r .session.status) == RUNNING ]] && break
	sleep 0.025
done
project=$HOME/.claude/projects/${tmp//[^a-zA-Z0-9]/-}-work
mkdir -p "$project"
sleep 0.2
rss_before=$(kb VmRSS)
cpu0=$(cpu_ms)
t0=$(now_ms)
# One rename: the whole file appears at once, as after a long agentd outage.
mv "$gen" "$project/$id.jsonl"
# Done when the last line is an event (a cheap query, polled every 20 ms).
while :; do
	last=$(api "/sessions/$id/events?source=transcript&order=desc&limit=1" |
		jq -r '.events[0].payload.summary // empty')
	[[ $last == "end of benchmark" ]] && break
	if (($(now_ms) - t0 > 120000)); then
		echo "transcript ingest: timed out"
		exit 1
	fi
	sleep 0.02
done
t1=$(now_ms)
cpu1=$(cpu_ms)
hwm=$(kb VmHWM)
got=$(api '/analytics/overview?range=all' | jq .totalTokens)
if [[ $got != "$want_tokens" ]]; then
	echo "transcript ingest: WRONG TOTAL: $got tokens counted, the file holds $want_tokens"
	exit 1
fi
printf 'transcript ingest %d MB (%d lines, %d messages): %6d ms wall, %6d ms CPU, peak RSS %.1f MB (%.1f MB before)  [goal < 2000 ms, < 30 MB]\n' \
	"$size_mb" "$lines" "$messages" $((t1 - t0)) $((cpu1 - cpu0)) "$(echo "$hwm / 1024" | bc -l)" "$(echo "$rss_before / 1024" | bc -l)"
printf 'transcript ingest: load average %s while measuring\n' "$(cut -d' ' -f1 /proc/loadavg)"
ok_tokens=$(api '/analytics/tokens-by-model?range=all' | jq 'map(.requests) | add')
printf 'transcript ingest: %d API messages counted once each (%d lines carried usage)\n' "$ok_tokens" $((messages * 2))
stop

# ---- 2. analytics over a year of daily history
if ! command -v sqlite3 >/dev/null; then
	echo "analytics latency: skipped (no sqlite3 command to write the history)"
	exit 0
fi
db=$CODEPIPER_HOME/codepiper.db
per_day_usage=${BENCH_USAGE_PER_DAY:-1000}
per_day_events=${BENCH_EVENTS_PER_DAY:-2000}
t0=$(now_ms)
sqlite3 "$db" <<SQL
BEGIN;
WITH RECURSIVE d(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM d WHERE n < 365),
  k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < $per_day_usage - 1)
INSERT INTO token_usage (session_id, timestamp, model, prompt_tokens, completion_tokens,
  cache_creation_input_tokens, cache_read_input_tokens, total_tokens, message_id)
SELECT '$id', CAST(strftime('%s','now') AS INTEGER) * 1000 - d.n * 86400000 + k.i * 86,
  CASE k.i % 3 WHEN 0 THEN 'claude-sonnet-4-5' WHEN 1 THEN 'claude-opus-4-6' ELSE 'claude-haiku-4-5' END,
  100 + k.i, 50, 200, 3000, 3350 + k.i, 'hist_' || d.n || '_' || k.i
FROM d, k;
WITH RECURSIVE d(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM d WHERE n < 365),
  k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < $per_day_events - 1)
INSERT INTO events (session_id, ts, source, type, payload_json)
SELECT '$id', CAST(strftime('%s','now') AS INTEGER) * 1000 - d.n * 86400000 + k.i * 43,
  'transcript', CASE k.i % 2 WHEN 0 THEN 'user' ELSE 'assistant' END, '{}'
FROM d, k;
WITH RECURSIVE d(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM d WHERE n < 365),
  k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 299)
INSERT INTO tool_uses (session_id, tool_use_id, name, ts)
SELECT '$id', 'hist_' || d.n || '_' || k.i, 'Tool' || (k.i % 20),
  CAST(strftime('%s','now') AS INTEGER) * 1000 - d.n * 86400000 + k.i * 280
FROM d, k;
COMMIT;
SQL
t1=$(now_ms)
rows=$(sqlite3 "$db" "SELECT (SELECT COUNT(*) FROM token_usage) || ' usage rows, ' || (SELECT COUNT(*) FROM events) || ' events, ' || (SELECT COUNT(*) FROM tool_uses) || ' tool calls'")
echo "analytics history: $rows over 365 days (written in $((t1 - t0)) ms)"
start
b="$tools/bench-http $sock"
for q in 'overview?range=all' 'overview?range=30d' 'overview?range=today' \
	'tokens-by-model?range=all' 'token-usage?range=all' 'activity-timeline?range=all' \
	'tool-usage?range=all'; do
	read -r med p99 _ < <($b latency GET "/analytics/$q" 200)
	printf 'GET /analytics/%-28s median %7.3f ms  p99 %7.3f ms  (200 requests)\n' "$q" "$med" "$p99"
done
stop
