# Daemon helpers for regress tests; source after lib.sh.
#
#   start_agentd [ARGS...]   starts $CODEPIPER_BIN/agentd on a private socket,
#                            data dir and tmux server; waits until it answers.
#                            Sets AGENTD_PID, SOCK, CP_HOME.
#   stop_agentd [SIGNAL]     stops it (default TERM) and waits for it to exit.
#   api METHOD PATH [JSON]   one request on $SOCK; prints the body, sets
#                            $STATUS to the HTTP status.
#   api_json ...             the same, body piped through jq -c.

CP_HOME=${CP_HOME:-$tmp/home}
SOCK=${SOCK:-$tmp/agentd.sock}
export CODEPIPER_TMUX_SOCKET=$tmux_name
export HOME=$CP_HOME CODEPIPER_HOME=$CP_HOME/.codepiper
export PATH=$STANDIN_BIN:$PATH
mkdir -p "$CP_HOME"
# Sanitizer reports fail the test run: agentd's stderr is checked at exit.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=99}
AGENTD_LOG=$tmp/agentd.log

start_agentd() {
	"$CODEPIPER_BIN/agentd" --socket "$SOCK" "$@" >>"$AGENTD_LOG" 2>&1 &
	AGENTD_PID=$!
	if ! wait_for -t 20 curl -sf --unix-socket "$SOCK" http://localhost/health -o /dev/null; then
		diag "agentd did not come up; its log:"
		diag "$(cat "$AGENTD_LOG")"
		return 1
	fi
	[[ -n ${_agentd_exit_registered:-} ]] || at_exit "stop_agentd_quietly"
	_agentd_exit_registered=1
}

stop_agentd() {
	local sig=${1:-TERM}
	[[ -n ${AGENTD_PID:-} ]] || return 0
	kill -"$sig" "$AGENTD_PID" 2>/dev/null
	wait "$AGENTD_PID" 2>/dev/null
	AGENTD_STATUS=$?
	AGENTD_PID=
	return 0
}

stop_agentd_quietly() {
	stop_agentd TERM
}

# The last assertion of a test: agentd stops cleanly with no sanitizer report.
agentd_clean_exit() {
	stop_agentd TERM
	is "$AGENTD_STATUS" 0 "agentd exits 0 on SIGTERM"
	if grep -qE 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$AGENTD_LOG"; then
		fail "no sanitizer report in agentd's log"
		diag "$(grep -A40 -E 'Sanitizer|runtime error' "$AGENTD_LOG" | head -80)"
	else
		pass "no sanitizer report in agentd's log"
	fi
}

api() {
	local method=$1 path=$2 body=${3-} out
	out=$(mktemp -p "$tmp")
	if [[ -n $body ]]; then
		STATUS=$(curl -s -o "$out" -w '%{http_code}' --unix-socket "$SOCK" \
			-X "$method" -H 'Content-Type: application/json' \
			--data-binary "$body" "http://localhost$path")
	else
		STATUS=$(curl -s -o "$out" -w '%{http_code}' --unix-socket "$SOCK" \
			-X "$method" "http://localhost$path")
	fi
	cat "$out"
	rm -f "$out"
}

# Run api and keep the body in $BODY (status in $STATUS), without a subshell.
call() {
	local f
	f=$(mktemp -p "$tmp")
	api "$@" >"$f"
	BODY=$(cat "$f")
	rm -f "$f"
}

session_output() {
	call GET "/sessions/$1/output"
	jq -r .output <<<"$BODY"
}
