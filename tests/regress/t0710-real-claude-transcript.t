#!/usr/bin/env bash
# The real Claude Code (offline, against tests/fake-anthropic/server.mjs)
# through a few turns with a tool call: the exact token totals of its own
# transcript in /analytics, the tool in tool-usage, the turns in the
# conversation route. Needs npm access once (scripts/install-real-claude.sh
# caches the package); skipped, loudly, when it cannot be installed.
. "$(dirname "$0")/lib.sh"

real_home=$HOME
claude=$(CODEPIPER_CACHE=${CODEPIPER_CACHE:-$real_home/.cache/codepiper} \
	sh "$REPO_ROOT/scripts/install-real-claude.sh" 2>"$tmp/install.log") ||
	skip_all "REAL CLAUDE CODE NOT AVAILABLE: install-real-claude.sh failed: $(tail -1 "$tmp/install.log")"
command -v node >/dev/null || skip_all "REAL CLAUDE CODE TEST NEEDS node (for the fake Anthropic API)"
start_fake_anthropic --log "$tmp/fake.log" || bail_out "the fake Anthropic API did not start"

. "$(dirname "$0")/agentd.sh"
. "$(dirname "$0")/transcripts.sh"
work=$tmp/work
mkdir -p "$work"
version=$("$claude" --version | sed -n '1s/^\([0-9.]*\).*/\1/p')
key=sk-ant-api03-codepiper-test-0000000000000000000000000000000000000000
# Past the first-run screens (spec/real-agents.md).
jq -n --arg v "$version" --arg k "${key: -20}" --arg w "$work" '{
	hasCompletedOnboarding: true, lastOnboardingVersion: $v,
	customApiKeyResponses: {approved: [$k], rejected: []},
	projects: {($w): {hasTrustDialogAccepted: true, allowedTools: []}}}' >"$HOME/.claude.json"
export PATH=$(dirname "$claude"):$PATH

start_agentd || bail_out "agentd did not start"
call POST /sessions "$(jq -nc --arg cwd "$work" --arg key "$key" --arg url "$FAKE_ANTHROPIC_URL" '{
	provider: "claude-code", cwd: $cwd, billingMode: "api",
	env: {ANTHROPIC_API_KEY: $key, ANTHROPIC_BASE_URL: $url, DISABLE_TELEMETRY: "1",
	      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1"}}')"
is "$STATUS" 201 "real claude session created"
id=$(jq -r .session.id <<<"$BODY")
transcript=$HOME/.claude/projects/${work//[^a-zA-Z0-9]/-}/$id.jsonl
screen() { session_output "$id"; }
wait_for -t 60 eval 'screen | grep -q "❯"'
ok $? "Claude Code's prompt is up" || diag "$(screen)"

# A prompt as a paste, then Enter (what session_send_text does).
say() { call POST "/sessions/$id/send" "$(jq -nc --arg t "$1" '{text: $t}')"; }
say "hello there"
wait_for -t 60 eval 'screen | grep -q "Echo: hello there"'
ok $? "first turn answered" || diag "$(screen)"
say "please RUN_BASH: ls -la"
wait_for -t 60 eval 'screen | grep -q "Tool finished"'
ok $? "a Bash tool call ran" || diag "$(screen)"
# The answer's line is written once the turn is complete.
turn_done() {
	[[ -f $transcript ]] && jq -s -e '[.[] | select(.type == "assistant")
		| .message.content[]? | select(.type == "text") | .text]
		| any(startswith("Tool finished"))' "$transcript" >/dev/null
}
wait_for -t 30 turn_done
ok $? "the transcript holds the whole conversation"
usage_matches() { [[ $(got_usage) == "$(expect_usage "$transcript")" ]]; }
wait_for -t 30 usage_matches
ok $? "overview token totals equal the real transcript's"
diag "got $(got_usage), transcript $(expect_usage "$transcript")"
is "$(got_by_model)" "$(expect_by_model "$transcript")" "tokens-by-model equals the real transcript's"
like "$(got_by_model | jq -r '.[0].model')" '^claude-' "under the model Claude Code asked for"
call GET '/analytics/overview?range=all'
is "$(jq .totalMessages <<<"$BODY")" "$(expect_messages "$transcript")" "totalMessages"
is "$(jq -r '.costEstimate | type' <<<"$BODY")" number "a cost estimate"
call GET '/analytics/tool-usage?range=all'
is "$(jq -r '.[] | select(.tool == "Bash") | .count' <<<"$BODY")" 1 "Bash in tool-usage"
# Claude Code writes many kinds of lines (attachments, hook runs, api
# requests): each is one event.
wait_for eval '[[ $(count_events "$id") == $(lines_in "$transcript") ]]'
ok $? "one transcript event per line ($(lines_in "$transcript") lines)"

call GET "/sessions/$id/conversation"
is "$STATUS" 200 "conversation route"
msgs=$BODY
is "$(jq -r '[.messages[] | select(.role == "user" and (.toolResult | not) and (.isMeta | not))
	| .content[] | select(.type == "text") | .text] | join("|")' <<<"$msgs")" \
	"hello there|please RUN_BASH: ls -la" "the user's turns"
is "$(jq -r '[.messages[] | select(.role == "assistant") | .content[] | select(.type == "text") | .text
	| split("\n")[0]] | join("|")' <<<"$msgs")" "Echo: hello there|Tool finished: total 8" \
	"the assistant's answers"
is "$(jq -r '.messages[].content[] | select(.type == "tool_use") | [.name, .input.command] | join(" ")' <<<"$msgs")" \
	"Bash ls -la" "the tool call"
like "$(jq -r '.messages[].content[] | select(.type == "tool_use") | .result.content' <<<"$msgs")" \
	'^total [0-9]+' "with its result"
call GET "/sessions/$id/model"
like "$(jq -r .reportedModel <<<"$BODY")" '^claude-' "the model the transcript reports"

call POST "/sessions/$id/kill"
agentd_clean_exit
done_testing
