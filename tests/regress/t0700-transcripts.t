#!/usr/bin/env bash
# Transcripts with the stand-in claude: every token counted once, in
# /analytics/* and the conversation route; through a kill -9 of agentd while
# lines keep coming, and with a half-written last line. Expected numbers are
# computed from the transcript file itself with jq.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agentd.sh"
. "$(dirname "$0")/transcripts.sh"

start_agentd || bail_out "agentd did not start"
work=$tmp/work
mkdir -p "$work"
printf 'hello from a file\n' >"$work/notes.txt"

call POST /sessions "{\"provider\":\"claude-code\",\"cwd\":\"$work\",\"args\":[\"--permission-mode\",\"bypassPermissions\"]}"
is "$STATUS" 201 "claude session created"
id=$(jq -r .session.id <<<"$BODY")
wait_for eval 'session_output '"$id"' | grep -q "^> *$"'
ok $? "stand-in prompt is up"

enc=${work//[^a-zA-Z0-9]/-}
transcript=$HOME/.claude/projects/$enc/$id.jsonl

# ---- expected numbers, from the file (transcripts.sh)
usage_matches() { [[ -f $transcript && $(got_usage) == "$(expect_usage "$transcript")" ]]; }

# ---- a few turns: text, a Bash call, a Read call
say() {
	call POST "/sessions/$id/send" "$(jq -nc --arg t "$1" '{text: $t}')"
}
# The stand-in prints tool answers only into the transcript: count its lines.
answers() { jq -s '[.[] | select(.type == "assistant")] | length' "$transcript" 2>/dev/null; }
say "hello one"
wait_for eval '[[ $(answers) == 1 ]]'
say "run: echo tool-output"
wait_for eval '[[ $(answers) == 3 ]]'
say "tool: Read $work/notes.txt"
wait_for eval '[[ $(answers) == 5 ]]'
ok $? "three turns done"
ok "wait_for usage_matches" "overview token totals equal the transcript's"
diag "$(got_usage)"
is "$(got_by_model)" "$(expect_by_model "$transcript")" "tokens-by-model equals the transcript's"
call GET '/analytics/overview?range=all'
is "$(jq .totalMessages <<<"$BODY")" "$(expect_messages "$transcript")" "totalMessages counts user and assistant lines"
is "$(jq .sessionsCount <<<"$BODY")" 1 "one session in range"
is "$(jq .activeSessions <<<"$BODY")" 1 "one active session"
like "$(jq .cacheHitRate <<<"$BODY")" '^[0-9]+(\.[0-9])?$' "cache hit rate has at most one decimal"
call GET '/analytics/tool-usage'
is "$(jq -c 'map({(.tool): .count}) | add' <<<"$BODY")" '{"Bash":1,"Read":1}' "tool usage: Bash and Read once each"
call GET '/analytics/activity-timeline?range=today'
is "$(jq 'map(.total) | add' <<<"$BODY")" "$(expect_messages "$transcript")" "activity timeline totals the messages"
is "$(jq -r '.[0].date' <<<"$BODY")" "$(date -u +%F)" "days are UTC dates"
call GET '/analytics/token-usage?range=30d'
is "$(jq -c '[.[0].prompt, .[0].completion]' <<<"$BODY")" \
	"$(expect_usage "$transcript" | jq -c '[.inputTokens, .outputTokens]')" "token-usage per day"
call GET '/analytics/sessions-by-provider?range=7d'
is "$(jq -c . <<<"$BODY")" '[{"provider":"claude-code","count":1}]' "sessions by provider"
call GET '/analytics/policy-decisions?range=bogus'
is "$STATUS" 200 "an unknown range is the default"
call GET "/sessions/$id"
is "$(jq -r .session.transcriptPath <<<"$BODY")" "$transcript" "the session knows its transcript"
is "$(count_events "$id")" "$(lines_in "$transcript")" "one transcript event per line"

# ---- the conversation
call GET "/sessions/$id/conversation"
is "$STATUS" 200 "conversation route"
is "$(jq -r '[.messages[].role] | join(",")' <<<"$BODY")" \
	"user,assistant,user,assistant,user,assistant,user,assistant,user,assistant" \
	"turns in order: prompt, tool call, tool result, answer"
is "$(jq -r '.messages[0].content[0].text' <<<"$BODY")" "hello one" "the first prompt"
is "$(jq -r '[.messages[].content[] | select(.type == "tool_use") | .name] | join(",")' <<<"$BODY")" \
	"Bash,Read" "tool calls by name"
is "$(jq -r '.messages[] | .content[] | select(.type == "tool_use" and .name == "Bash") | .result.content' <<<"$BODY")" \
	"tool-output" "a tool call carries its result"
is "$(jq -r '[.messages[] | select(.toolResult)] | length' <<<"$BODY")" 2 "tool result lines are marked"
is "$(jq -r .hasMore <<<"$BODY")" false "one page holds it all"
newest=$(jq -r .newestId <<<"$BODY")
call GET "/sessions/$id/conversation?limit=3"
is "$(jq '.messages | length' <<<"$BODY")" 3 "limit=3: three messages"
is "$(jq -r .hasMore <<<"$BODY")" true "hasMore: older messages exist"
is "$(jq -r .newestId <<<"$BODY")" "$newest" "the newest page ends with the newest message"
oldest=$(jq -r .oldestId <<<"$BODY")
call GET "/sessions/$id/conversation?limit=3&before=$oldest"
is "$(jq -r '.messages[-1].id < '"$oldest" <<<"$BODY")" true "before= pages back"
call GET "/sessions/$id/conversation?after=$newest"
is "$(jq '.messages | length' <<<"$BODY")" 0 "nothing after the newest"
call GET "/sessions/$id/conversation?before=1&after=2"
is "$STATUS" 400 "before and after together: 400"
call GET "/sessions/$id/conversation?limit=0"
is "$STATUS" 400 "limit 0: 400"
call GET "/sessions/00000000-0000-4000-8000-000000000000/conversation"
is "$STATUS" 404 "unknown session: 404"

# ---- the model
call GET "/sessions/$id/model"
is "$(jq -c . <<<"$BODY")" '{"provider":"claude-code","supportsModelSwitch":true,"reportedModel":"claude-sonnet-4-5"}' \
	"GET model: never switched, the transcript's model reported"
call PUT "/sessions/$id/model" '{"model":"opus; rm -rf /"}'
is "$STATUS" 400 "a model name with other characters is refused"
call PUT "/sessions/$id/model" '{"model":""}'
is "$(jq -r .error <<<"$BODY")" "model cannot be empty" "empty model"
call PUT "/sessions/$id/model" '{"model":5}'
is "$(jq -r .error <<<"$BODY")" "Missing required field: model" "model not a string"
call PUT "/sessions/$id/model" '{"model":"opus"}'
is "$(jq -c . <<<"$BODY")" '{"success":true}' "PUT model opus"
wait_for eval 'session_output '"$id"' | grep -q "Set model to opus"'
ok $? "/model opus was typed into the agent"
say "after the switch"
wait_for eval 'session_output '"$id"' | grep -q "^echo: after the switch$"'
ok "wait_for usage_matches" "totals still match after the switch"
is "$(got_by_model)" "$(expect_by_model "$transcript")" "tokens-by-model shows both models"
is "$(got_by_model | jq -r 'map(.model) | join(",")')" "claude-opus-4-6,claude-sonnet-4-5" "the switch is reflected in analytics"
call GET "/sessions/$id/model"
is "$(jq -c '[.model, .reportedModel]' <<<"$BODY")" '["opus","claude-opus-4-6"]' "GET model: the switch and what the transcript reports"

# ---- kill -9 while lines keep being appended
# Lines in Claude Code's shape with unique ids, plus repeats of one message
# id (Claude Code writes one line per content block with the same usage).
append_lines() { # first count
	local i
	for ((i = $1; i < $1 + $2; i++)); do
		printf '{"parentUuid":null,"isSidechain":false,"message":{"id":"msg_bulk_%d","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[{"type":"text","text":"bulk %d"}],"stop_reason":"end_turn","usage":{"input_tokens":%d,"cache_creation_input_tokens":3,"cache_read_input_tokens":5,"output_tokens":%d}},"type":"assistant","uuid":"u-%d","timestamp":"2026-01-01T00:00:00.000Z","sessionId":"%s"}\n' \
			$((i / 2)) "$i" $((100 + i / 2)) $((7 + i / 2)) "$i" "$id" >>"$transcript"
		((i % 10 == 0)) && sleep 0.01
	done
}
append_lines 0 600 &
writer=$!
sleep 0.15
stop_agentd KILL
is "$AGENTD_STATUS" 137 "agentd killed with -9 while lines are being written"
sleep 0.2
start_agentd || bail_out "agentd did not restart"
wait "$writer"
ok "wait_for -t 30 usage_matches" "after restart: the same totals as the file (no loss, no double count)"
diag "$(got_usage) vs $(expect_usage "$transcript")"
is "$(got_by_model)" "$(expect_by_model "$transcript")" "tokens-by-model too"
is "$(count_events "$id")" "$(lines_in "$transcript")" "every line recorded exactly once"

# ---- a partial last line is not counted until it is complete
before=$(got_usage)
events_before=$(count_events "$id")
line='{"message":{"id":"msg_partial","model":"claude-haiku-4-5","role":"assistant","content":[],"usage":{"input_tokens":1000,"output_tokens":1,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}},"type":"assistant","timestamp":"2026-01-01T00:00:01.000Z"}'
printf '%s' "${line:0:60}" >>"$transcript"
sleep 0.5
is "$(got_usage)" "$before" "half a line: not counted"
is "$(count_events "$id")" "$events_before" "half a line: no event"
stop_agentd KILL
start_agentd || bail_out "agentd did not restart"
sleep 0.3
is "$(got_usage)" "$before" "nor after a restart"
printf '%s\n' "${line:60}" >>"$transcript"
ok "wait_for usage_matches" "completed: counted"
is "$(got_usage | jq .inputTokens)" "$(($(jq .inputTokens <<<"$before") + 1000))" "exactly once"
is "$(count_events "$id")" "$((events_before + 1))" "and one event"

# ---- after the session ended
call POST "/sessions/$id/stop"
wait_for eval '[[ $(api GET /sessions/'"$id"' | jq -r .session.status) == STOPPED ]]'
call GET "/sessions/$id/conversation?limit=1"
is "$(jq -r '.messages[0].messageId' <<<"$BODY")" msg_partial "the conversation is readable after the end"
is "$STATUS" 200 "conversation route works for an ended session"
ok "usage_matches" "totals unchanged after the end"

agentd_clean_exit
done_testing
