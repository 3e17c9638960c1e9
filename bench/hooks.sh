#!/usr/bin/env bash
# The hook hot path (optimised build): a PermissionRequest for a live
# stand-in claude session, decided allow by a policy.
#  - round trip: hook-forward process start to decision printed, as Claude
#    Code pays it (hook-bench spawns it with the payload on stdin), and the
#    same through the session's hook script (sh + exec hook-forward);
#  - in-daemon: agentd's own time for POST /hooks/claude, from its debug
#    log (request parsed to reply queued), and the write of the decision's
#    event + audit row that follows each reply.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CODEPIPER_BIN:-$root/build/bin}
tools=${CODEPIPER_TOOLS:-$root/build/tests/tools}
rounds=${BENCH_HOOK_ROUNDS:-1000}
tmp=$(mktemp -d)
tmux_name=cpbench-hooks-$$
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
api() { curl -sf --unix-socket "$sock" -X "$1" -H 'Content-Type: application/json' ${3:+--data-binary "$3"} "http://l$2"; }

"$bin/agentd" --socket "$sock" --verbose >"$tmp/agentd.log" 2>&1 &
pid=$!
for _ in $(seq 200); do [[ -S $sock ]] && break; sleep 0.05; done

api POST /policies '{"id":"bench","name":"bench","enabled":true,"priority":1,"sessionId":null,
	"rules":[{"id":"deny-rm","action":"deny","tool":"Bash","args":{"command":"rm *"}},
	         {"id":"npm","action":"allow","tool":"Bash","args":{"command":"npm test*"},"reason":"tests are fine"}]}' >/dev/null
id=$(api POST /sessions "{\"provider\":\"claude-code\",\"cwd\":\"$tmp/work\"}" | jq -r .session.id)
script=$CODEPIPER_HOME/sessions/$id/$id.hook-forward.sh
for _ in $(seq 200); do
	[[ $(api GET "/sessions/$id" | jq -r .session.status) == RUNNING ]] && break
	sleep 0.05
done
export CODEPIPER_UNIX_SOCK=$sock CODEPIPER_SESSION=$id
CODEPIPER_SECRET=$(sed -n "s/^export CODEPIPER_SECRET='\(.*\)'$/\1/p" "$script")
export CODEPIPER_SECRET

# Claude Code's PermissionRequest payload (2.1.332 fields).
jq -nc --arg id "$id" --arg cwd "$tmp/work" '{session_id: $id,
	transcript_path: ("/tmp/" + $id + ".jsonl"), cwd: $cwd, prompt_id: "p1",
	permission_mode: "default", effort: {level: "medium"},
	hook_event_name: "PermissionRequest", tool_name: "Bash",
	tool_input: {command: "npm test -- --watch=false", description: "Run the tests"},
	permission_suggestions: [{type: "addDirectories", directories: [$cwd], destination: "session"}]}' >"$tmp/payload.json"

expect='"behavior":"allow"'
# Warm the page cache and agentd's compiled policies first.
"$tools/hook-bench" 20 "$tmp/payload.json" "$expect" -- "$bin/codepiper" hook-forward >/dev/null
skip=$(wc -l <"$tmp/agentd.log")
read -r _ n _ med _ p99 _ min _ max < <("$tools/hook-bench" "$rounds" "$tmp/payload.json" "$expect" -- "$bin/codepiper" hook-forward)
printf 'hook round trip (hook-forward start to decision printed): median %.3f ms, p99 %.3f ms (min %.3f, max %.3f; %d rounds)\n' \
	"$(echo "$med / 1000" | bc -l)" "$(echo "$p99 / 1000" | bc -l)" "$(echo "$min / 1000" | bc -l)" "$(echo "$max / 1000" | bc -l)" "$n"

# The in-daemon time of exactly those requests (agentd logs each in us).
tail -n +$((skip + 1)) "$tmp/agentd.log" | grep -ao 'POST /hooks/claude -> 200 ([0-9]* us)' | head -n "$n" | sed 's/.*(\([0-9]*\) us)/\1/' | sort -n >"$tmp/daemon.us"
count=$(wc -l <"$tmp/daemon.us")
dmed=$(sed -n "$((count / 2 + 1))p" "$tmp/daemon.us")
dp99=$(sed -n "$((count * 99 / 100 + 1))p" "$tmp/daemon.us")
printf 'POST /hooks/claude in-daemon: median %.3f ms, p99 %.3f ms (%d requests: parse, secret, evaluate, reply)\n' \
	"$(echo "$dmed / 1000" | bc -l)" "$(echo "$dp99 / 1000" | bc -l)" "$count"
# The event + audit row of each decision, written just after its reply.
tail -n +$((skip + 1)) "$tmp/agentd.log" | grep -ao 'hook records: [0-9]* written in [0-9]* us' | sed 's/.* in \([0-9]*\) us/\1/' | sort -n >"$tmp/write.us"
wcount=$(wc -l <"$tmp/write.us")
wmed=$(sed -n "$((wcount / 2 + 1))p" "$tmp/write.us")
wp99=$(sed -n "$((wcount * 99 / 100 + 1))p" "$tmp/write.us")
printf 'decision event + audit row (one transaction, after the reply): median %.3f ms, p99 %.3f ms (%d writes)\n' \
	"$(echo "$wmed / 1000" | bc -l)" "$(echo "$wp99 / 1000" | bc -l)" "$wcount"

read -r _ n _ med _ p99 _ < <("$tools/hook-bench" $((rounds / 2)) "$tmp/payload.json" "$expect" -- sh "$script")
printf 'hook round trip through the session script (sh + hook-forward): median %.3f ms, p99 %.3f ms (%d rounds)\n' \
	"$(echo "$med / 1000" | bc -l)" "$(echo "$p99 / 1000" | bc -l)" "$n"

rows=$(api GET "/policy-decisions?sessionId=$id&limit=1" | jq .total)
t0=$(date +%s%N)
api GET /policy-decisions/verify >"$tmp/verify.json"
t1=$(date +%s%N)
printf 'audit chain verify: %d rows in %.1f ms (ok: %s)\n' "$(jq .checked "$tmp/verify.json")" \
	"$(echo "($t1 - $t0) / 1000000" | bc -l)" "$(jq .ok "$tmp/verify.json")"
[[ $rows -ge $rounds ]] || { echo "expected at least $rounds audit rows, got $rows" >&2; exit 1; }
