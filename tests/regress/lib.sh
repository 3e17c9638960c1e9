# Shared helpers for the TAP regress tests (bash). Source it first:
#
#   #!/usr/bin/env bash
#   . "$(dirname "$0")/lib.sh"
#   plan 3
#   ok "[ -d \"$tmp\" ]" "tmp dir exists"
#   is "$(echo hi)" hi "echo works"
#   like "$(date)" '[0-9]{4}' "date has a year"
#
# `prove` runs *.t files through their #! line. Everything a test creates
# lives under $tmp (removed at exit; KEEP_TMP=1 keeps it and prints where).
#
# Provided:
#   plan N | skip_all REASON | done_testing
#   ok COND MSG      COND is an exit status (0 = pass) or a shell command (eval'd)
#   is GOT EXPECTED MSG, isnt GOT UNEXPECTED MSG
#   like GOT ERE MSG, unlike GOT ERE MSG      (bash [[ =~ ]] regexes)
#   pass MSG, fail MSG, skip N REASON, diag TEXT..., note TEXT..., bail_out REASON
#   wait_for [-t SECONDS] [-i SECONDS] CMD...  poll CMD until it succeeds;
#                    default 10 s (scaled by $TEST_TIMEOUT_SCALE), every 20 ms
#   at_exit CMD      run CMD (eval'd) at exit, last registered first
#   $tmp             private temp dir; $tmux_name unique tmux socket name
#   tmx ARGS...      tmux on the private server (-L $tmux_name, no user config);
#                    the server is killed at exit
#   pane_text TARGET, pane_has TARGET ERE, tmux_paste TARGET TEXT
#   start_fake_anthropic [ARGS...]  starts tests/fake-anthropic/server.mjs,
#                    sets FAKE_ANTHROPIC_PORT / FAKE_ANTHROPIC_PID / FAKE_ANTHROPIC_URL
#   json_get FILE JQ_FILTER   jq -r shorthand
# Paths: $REPO_ROOT, $STANDIN_BIN (tests/bin: stand-in claude/codex),
#   $FAKE_ANTHROPIC (server.mjs), $CODEPIPER_BIN (built programs; the Makefile
#   sets it, default $REPO_ROOT/build/bin), $CODEPIPER_TOOLS.
# Daemon helpers (start_agentd ...) are not defined here; they belong to the
# agentd tests and may be added in a separate file sourced after this one.

# ---------------------------------------------------------------- paths
_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$_lib_dir/../.." && pwd)
STANDIN_BIN=$REPO_ROOT/tests/bin
FAKE_ANTHROPIC=$REPO_ROOT/tests/fake-anthropic/server.mjs
: "${CODEPIPER_BIN:=$REPO_ROOT/build/bin}"
: "${CODEPIPER_TOOLS:=$REPO_ROOT/build/tests/tools}"
export REPO_ROOT STANDIN_BIN FAKE_ANTHROPIC CODEPIPER_BIN CODEPIPER_TOOLS
TEST_NAME=$(basename "$0" .t)

# ---------------------------------------------------------------- TAP state
_tap_planned=""
_tap_run=0
_tap_failed=0
_tap_skip_all=0
_tap_done=0
_exit_cmds=()

_tap_out() { printf '%s\n' "$*"; }

diag() {
	local l
	while IFS= read -r l || [[ -n $l ]]; do printf '# %s\n' "$l" >&2; done <<<"$*"
}

note() {
	local l
	while IFS= read -r l || [[ -n $l ]]; do printf '# %s\n' "$l"; done <<<"$*"
}

plan() {
	_tap_planned=$1
	_tap_out "1..$1"
}

skip_all() {
	_tap_skip_all=1
	_tap_out "1..0 # SKIP ${1:-}"
	exit 0
}

done_testing() {
	_tap_done=1
	if [[ -z $_tap_planned ]]; then
		_tap_planned=$_tap_run
		_tap_out "1..$_tap_run"
	fi
}

bail_out() {
	_tap_out "Bail out! ${1:-}"
	exit 255
}

_tap_result() { # status msg
	_tap_run=$((_tap_run + 1))
	if (($1 == 0)); then
		_tap_out "ok $_tap_run - $2"
		return 0
	fi
	_tap_failed=$((_tap_failed + 1))
	_tap_out "not ok $_tap_run - $2"
	diag "  Failed test '$2'"
	diag "  at ${BASH_SOURCE[2]##*/} line ${BASH_LINENO[1]}."
	return 1
}

pass() { _tap_result 0 "${1:-}"; }
fail() { _tap_result 1 "${1:-}"; }

ok() {
	local cond=$1 msg=${2:-} st
	if [[ $cond =~ ^[0-9]+$ ]]; then
		st=$cond
	else
		eval "$cond"
		st=$?
	fi
	_tap_result "$st" "$msg"
}

is() {
	if [[ $1 == "$2" ]]; then
		_tap_result 0 "${3:-}"
	else
		_tap_result 1 "${3:-}"
		diag "         got: '$1'"
		diag "    expected: '$2'"
		return 1
	fi
}

isnt() {
	if [[ $1 != "$2" ]]; then
		_tap_result 0 "${3:-}"
	else
		_tap_result 1 "${3:-}"
		diag "         got: '$1'"
		diag "    expected: anything else"
		return 1
	fi
}

like() {
	if [[ $1 =~ $2 ]]; then
		_tap_result 0 "${3:-}"
	else
		_tap_result 1 "${3:-}"
		diag "                  '$1'"
		diag "    doesn't match '$2'"
		return 1
	fi
}

unlike() {
	if ! [[ $1 =~ $2 ]]; then
		_tap_result 0 "${3:-}"
	else
		_tap_result 1 "${3:-}"
		diag "                  '$1'"
		diag "          matches '$2'"
		return 1
	fi
}

skip() { # N reason
	local i
	for ((i = 0; i < $1; i++)); do
		_tap_run=$((_tap_run + 1))
		_tap_out "ok $_tap_run # skip ${2:-}"
	done
}

# ---------------------------------------------------------------- polling
# wait_for [-t SECONDS] [-i SECONDS] CMD... : 0 as soon as CMD succeeds,
# 1 when the deadline passes (CMD is tried once more at the deadline).
wait_for() {
	local timeout=${WAIT_TIMEOUT:-10} interval=0.02
	while (($#)); do
		case $1 in
		-t) timeout=$2; shift 2 ;;
		-i) interval=$2; shift 2 ;;
		--) shift; break ;;
		*) break ;;
		esac
	done
	local scale=${TEST_TIMEOUT_SCALE:-1} now deadline
	# deadline in microseconds, integer arithmetic only
	deadline=$(awk -v t="$timeout" -v s="$scale" 'BEGIN { printf "%d", t * s * 1000000 }')
	now=${EPOCHREALTIME/./}
	deadline=$((now + deadline))
	while :; do
		"$@" && return 0
		now=${EPOCHREALTIME/./}
		((now >= deadline)) && break
		sleep "$interval"
	done
	"$@"
}

# ---------------------------------------------------------------- cleanup
at_exit() { _exit_cmds+=("$1"); }

_lib_exit() {
	local st=$? i
	trap - EXIT
	for ((i = ${#_exit_cmds[@]} - 1; i >= 0; i--)); do
		eval "${_exit_cmds[i]}" >/dev/null 2>&1
	done
	if [[ -n ${tmp-} && -d $tmp ]]; then
		if [[ -n ${KEEP_TMP-} ]]; then
			printf '# kept %s\n' "$tmp" >&2
		else
			rm -rf "$tmp"
		fi
	fi
	((_tap_skip_all)) && exit 0
	if ((st == 255)); then exit 255; fi
	if [[ -z $_tap_planned ]]; then
		if ((_tap_run > 0)); then
			diag "Tests were run but no plan was declared."
		else
			diag "No tests run!"
		fi
		exit 255
	fi
	if ((_tap_run != _tap_planned)); then
		diag "Looks like you planned $_tap_planned tests but ran $_tap_run."
		((st == 0)) && st=255
	fi
	if ((_tap_failed > 0)); then
		diag "Looks like you failed $_tap_failed test(s) of $_tap_run."
		st=$((_tap_failed > 254 ? 254 : _tap_failed))
	fi
	exit "$st"
}
trap _lib_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cpt-$TEST_NAME.XXXXXX") || bail_out "mktemp failed"
export TEST_TMP=$tmp
tmux_name="cpt-$$-$(printf '%04x%04x' $((RANDOM)) $((RANDOM)))"

# ---------------------------------------------------------------- tmux
at_exit "tmux -L '$tmux_name' kill-server"
tmx() { tmux -L "$tmux_name" -f /dev/null "$@"; }

# Visible text of a pane, wrapped lines joined.
pane_text() { tmx capture-pane -p -J -t "$1" 2>/dev/null; }

# pane_has TARGET ERE: the pane shows a line matching ERE.
pane_has() { pane_text "$1" | grep -Eq -- "$2"; }

# Paste TEXT into TARGET as a bracketed paste (what a terminal does on paste).
tmux_paste() {
	local buf="cpt-paste-$$-$RANDOM"
	tmx set-buffer -b "$buf" -- "$2" && tmx paste-buffer -p -d -b "$buf" -t "$1"
}

# ---------------------------------------------------------------- fake Anthropic API
start_fake_anthropic() {
	command -v node >/dev/null 2>&1 || { diag "node not found"; return 1; }
	local out="$tmp/fake-anthropic.$$.$RANDOM.out"
	node "$FAKE_ANTHROPIC" --port 0 "$@" >"$out" 2>"$out.err" &
	FAKE_ANTHROPIC_PID=$!
	at_exit "kill $FAKE_ANTHROPIC_PID"
	if ! wait_for grep -q '^LISTENING ' "$out"; then
		diag "fake Anthropic server did not start: $(cat "$out.err")"
		return 1
	fi
	FAKE_ANTHROPIC_PORT=$(sed -n 's/^LISTENING \([0-9]*\).*/\1/p' "$out")
	FAKE_ANTHROPIC_URL=http://127.0.0.1:$FAKE_ANTHROPIC_PORT
	export FAKE_ANTHROPIC_PORT FAKE_ANTHROPIC_URL
}

# ---------------------------------------------------------------- misc
json_get() { jq -r "$2" "$1"; }
