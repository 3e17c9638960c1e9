#!/usr/bin/env bash
# Budgets (cost caps per session and per day) with the stand-in claude:
# 80 % warns (event + notification), 100 % interrupts and pauses until the
# cap is raised or the user resumes; and the CLI's analytics, model and
# budget commands.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agentd.sh"

start_agentd || bail_out "agentd did not start"
work=$tmp/work
mkdir -p "$work"
cp() { "$CODEPIPER_BIN/codepiper" -s "$SOCK" "$@"; }

call POST /sessions "{\"provider\":\"claude-code\",\"cwd\":\"$work\",\"args\":[\"--permission-mode\",\"bypassPermissions\"]}"
id=$(jq -r .session.id <<<"$BODY")
wait_for eval 'session_output '"$id"' | grep -q "^> *$"'
ok $? "claude session up"
transcript=$HOME/.claude/projects/${work//[^a-zA-Z0-9]/-}/$id.jsonl
answers() {
	if [[ -f $transcript ]]; then
		jq -s '[.[] | select(.type == "assistant")] | length' "$transcript"
	else
		echo 0
	fi
}
turn=0
say() { # one prompt, waits for its answer to be recorded
	local want=$(($(answers) + 1))
	turn=$((turn + 1))
	call POST "/sessions/$id/send" "{\"text\":\"turn $turn\"}"
	wait_for eval '[[ $(answers) -ge '"$want"' ]]' &&
		wait_for eval '[[ $(api GET /analytics/overview?range=all | jq .totalMessages) -ge '"$((want * 2))"' ]]'
}
events_of() { # budget event types, in order
	api GET "/sessions/$id/events?limit=1000" |
		jq -r '[.events[] | select(.source == "budget") | .type] | join(",")'
}

# Notifications as the dashboard gets them: a stream subscribed to them.
curl -sN --unix-socket "$SOCK" http://localhost/stream >"$tmp/stream.out" 2>/dev/null &
at_exit "kill $!"
wait_for grep -q '"relay":"ready"' "$tmp/stream.out"
stream_id=$(head -1 "$tmp/stream.out" | jq -r .streamId)
call POST "/stream/$stream_id" '{"op":"subscribe","topic":"notifications"}'

# ---- the API's edges
call GET /budgets
is "$(jq -c '[.dailyUsd, .sessionUsd, .today.costUsd, .today.percent]' <<<"$BODY")" '[null,null,0,null]' "no caps at first"
for bad in '{}' '{"dailyUsd":-1}' '{"dailyUsd":"5"}' '{"sessionUsd":0}' '{"weekly":3}' '[]'; do
	call PUT /budgets "$bad"
	is "$STATUS" 400 "PUT /budgets $bad -> 400"
done
call PUT "/sessions/$id/budget" '{"capUsd":"x"}'
is "$STATUS" 400 "a session cap must be a number"
call GET /sessions/00000000-0000-4000-8000-000000000000/budget
is "$STATUS" 404 "unknown session: 404"
call POST "/sessions/$id/budget/resume"
is "$STATUS" 409 "resume of a session that is not paused: 409"

# ---- one turn's cost sets the caps
say
call GET "/sessions/$id/budget"
one=$(jq .costUsd <<<"$BODY")
is "$(jq -c '[.capUsd, .effectiveCapUsd, .paused]' <<<"$BODY")" '[null,null,false]' "no cap, not paused"
# Unrounded cost of one stand-in turn (sonnet-4.5 prices): from the file.
per_turn=$(jq -s '[.[] | select(.type == "assistant") | .message.usage] | .[0] |
	(.input_tokens * 3 + .output_tokens * 15 + .cache_creation_input_tokens * 3.75 + .cache_read_input_tokens * 0.3) / 1000000' "$transcript")
diag "one turn costs $per_turn USD (shown as $one)"
# A cap of 2.3 turns: 80 % is crossed in the second turn, 100 % in the third.
cap=$(jq -n "$per_turn * 2.3")
call PUT "/sessions/$id/budget" "{\"capUsd\":$cap}"
is "$(jq -c '[.capSource, .paused]' <<<"$BODY")" '["session",false]' "a session cap of 2.3 turns"
say
call GET "/sessions/$id/budget"
is "$(jq .paused <<<"$BODY")" false "87 %: not paused"
is "$(events_of)" "BudgetWarning" "87 %: a warning event"
wait_for grep -q '"budget_warning"' "$tmp/stream.out"
ok $? "and a notification"
say
call GET "/sessions/$id/budget"
is "$(jq -c '[.paused, .pausedReason]' <<<"$BODY")" '[true,"session"]' "130 %: paused"
is "$(events_of)" "BudgetWarning,BudgetPaused" "a pause event"
wait_for grep -q '"budget_paused"' "$tmp/stream.out"
ok $? "and a notification"
call GET "/sessions/$id"
is "$(jq .session.metadata.budget.paused <<<"$BODY")" true "metadata.budget.paused"

# ---- raising the cap lifts the pause
call PUT "/sessions/$id/budget" '{"capUsd":1}'
is "$(jq .paused <<<"$BODY")" false "cap raised: no longer paused"
is "$(events_of)" "BudgetWarning,BudgetPaused,BudgetResumed" "a resumed event"
# Lowering it below the spend pauses at once; the user resumes.
call PUT "/sessions/$id/budget" "{\"capUsd\":$per_turn}"
is "$(jq .paused <<<"$BODY")" true "cap lowered below the spend: paused"
call POST "/sessions/$id/budget/resume"
is "$(jq -c '[.paused, .percent > 100]' <<<"$BODY")" '[false,true]' "resumed by the user while over the cap"
say
call GET "/sessions/$id/budget"
is "$(jq .paused <<<"$BODY")" false "the acknowledged cap does not pause again"
call PUT "/sessions/$id/budget" '{"capUsd":null}'
is "$(jq -c '[.capUsd, .effectiveCapUsd]' <<<"$BODY")" '[null,null]' "cap removed"

# ---- the daily cap
call PUT /budgets "{\"dailyUsd\":$per_turn}"
is "$STATUS" 200 "a daily cap below today's spend"
is "$(jq -c '[.sessions[0].paused, .sessions[0].pausedReason, .today.percent > 100]' <<<"$BODY")" '[true,"daily",true]' "the session is paused by the daily cap"
daily_warnings() {
	jq -s '[.[] | select(.type == "budget_warning" and .data.kind == "daily")] | length' "$tmp/stream.out"
}
wait_for eval '[[ $(daily_warnings) == 1 ]]'
ok $? "a daily warning notification, once"
call PUT /budgets '{"dailyUsd":null,"sessionUsd":50}'
is "$(jq -c '[.dailyUsd, .sessionUsd, .sessions[0].paused, .sessions[0].capSource]' <<<"$BODY")" '[null,50,false,"default"]' "daily cap removed: resumed; a default session cap"

# ---- CLI
out=$(cp budget)
like "$out" "Session default: +\\\$50.00" "budget show"
cp budget set --daily 12.5 >/dev/null
is "$(api GET /budgets | jq .dailyUsd)" 12.5 "budget set --daily"
cp budget set --daily none --session none >/dev/null
is "$(api GET /budgets | jq -c '[.dailyUsd, .sessionUsd]')" '[null,null]' "budget set ... none"
cp budget set --daily -3 >/dev/null 2>&1
is "$?" 2 "a bad amount is a usage error"
like "$(cp budget session "$id" --cap 3)" 'Cap: +\$3\.00 \(its own\)' "budget session --cap"
cp budget resume "$id" >/dev/null 2>&1
is "$?" 1 "budget resume of a running session fails"

out=$(cp analytics --range all)
like "$out" "Analytics Overview \\(range: all\\)" "analytics overview"
like "$out" "Total messages: +$(api GET '/analytics/overview?range=all' | jq .totalMessages)" "with its numbers"
like "$(cp analytics tokens --days 0)" "claude-sonnet-4-5" "analytics tokens"
like "$(cp analytics costs --range all)" "Total estimated cost: \\\$" "analytics costs"
is "$(cp analytics costs --range all --json | jq '.models | length')" 1 "analytics costs --json"
is "$(cp analytics activity --json | jq 'map(.total) | add')" \
	"$(api GET /analytics/overview | jq .totalMessages)" "analytics activity --json"
like "$(cp analytics tools)" "No tool usage data available." "no tools yet"
cp analytics bogus >/dev/null 2>&1
is "$?" 1 "unknown view: exit 1"
cp analytics --range year >/dev/null 2>&1
is "$?" 2 "unknown range: exit 2"
like "$(cp model "$id")" "Transcript reports: claude-sonnet-4-5" "model shows what the transcript reports"
out=$(cp model "$id" haiku 2>&1)
like "$out" "Switched model to haiku" "model switch"
unlike "$out" "Warning" "haiku is a known model"
like "$(cp model "$id" my-model 2>&1)" "not in the default Claude model list" "an unknown model warns"
like "$(cp model "$id" 'bad model' 2>&1)" "Failed to switch model" "a bad name fails"
like "$(cp model "$id")" "Current model: my-model" "model shows the switch"

agentd_clean_exit
done_testing
