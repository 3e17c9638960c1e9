# Helpers for the transcript and analytics tests; source after agentd.sh.
# Expected numbers are computed from a transcript file with jq, the way the
# daemon must count them: each API message (message id) once, its last line
# winning; lines without an id each count.
#
#   expect_usage FILE       {"inputTokens",...,"totalTokens"} of the file
#   expect_by_model FILE    [{"model","prompt_tokens","completion_tokens","requests"}]
#   expect_messages FILE    number of user and assistant lines
#   lines_in FILE           number of JSON lines
#   got_usage / got_by_model    the same from /analytics (range=all)
#   count_events ID         transcript events of a session, through the API

expect_usage() {
	jq -s -c '[to_entries[] | select(.value.type == "assistant"
		and (.value.message.usage | type) == "object"
		and .value.message.model != "<synthetic>")]
	| group_by(.value.message.id // ("#" + (.key | tostring))) | map(last.value)
	| {inputTokens: (map(.message.usage.input_tokens // 0) | add // 0),
	   outputTokens: (map(.message.usage.output_tokens // 0) | add // 0),
	   cacheCreationTokens: (map(.message.usage.cache_creation_input_tokens // 0) | add // 0),
	   cacheReadTokens: (map(.message.usage.cache_read_input_tokens // 0) | add // 0)}
	| .totalTokens = .inputTokens + .outputTokens + .cacheCreationTokens + .cacheReadTokens' "$1"
}

expect_by_model() {
	jq -s -c '[to_entries[] | select(.value.type == "assistant"
		and (.value.message.usage | type) == "object"
		and .value.message.model != "<synthetic>")]
	| group_by(.value.message.id // ("#" + (.key | tostring))) | map(last.value)
	| group_by(.message.model) | map({model: .[0].message.model,
		prompt_tokens: (map(.message.usage.input_tokens // 0) | add),
		completion_tokens: (map(.message.usage.output_tokens // 0) | add),
		requests: length}) | sort_by(.model)' "$1"
}

expect_messages() {
	jq -s '[.[] | select(.type == "user" or .type == "assistant")] | length' "$1"
}

lines_in() { jq -c . "$1" 2>/dev/null | wc -l; }

got_usage() {
	api GET '/analytics/overview?range=all' |
		jq -c '{inputTokens, outputTokens, cacheCreationTokens, cacheReadTokens, totalTokens}'
}

got_by_model() {
	api GET '/analytics/tokens-by-model?range=all' |
		jq -c 'map({model, prompt_tokens, completion_tokens, requests}) | sort_by(.model)'
}

count_events() {
	local since=0 n=0 page
	while :; do
		page=$(api GET "/sessions/$1/events?source=transcript&since=$since&limit=1000")
		n=$((n + $(jq '.events | length' <<<"$page")))
		[[ $(jq -r .hasMore <<<"$page") == true ]] || break
		since=$(jq '.events[-1].id' <<<"$page")
	done
	echo "$n"
}
