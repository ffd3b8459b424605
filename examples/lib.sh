# shellcheck shell=bash disable=SC2034,SC2154 # sets variables for its run.sh; prog comes from there
# examples/lib.sh — what the examples' run.sh scripts share; sourced, never run.
#
# A run.sh starts with
#     set -euo pipefail
#     prog=NAME                                   # message prefix on stderr
#     . "$(dirname "$0")/../lib.sh"
# Sourcing sets:
#   here   the example's directory (the one of the sourcing run.sh), absolute
#   repo   the repository root, absolute
#   BUILD  the build tree, absolute ($BUILD, default build; relative to repo)
# and defines the functions below.  Every failure prints "$prog: ..." on stderr and exits
# with the examples' documented status: 3 for something missing (model, npm peers, a tool).
#
# ex_help "$@"
#     -h or --help as first argument: print the run.sh's header comment (lines 2 up to the
#     first line that is not a comment, without the "# ") on stdout and exit 0.
# ex_model
#     Sets SHARED (default $repo/../shared) and model: $ART_MODEL, else
#     $SHARED/models/stories260K-f32.gguf, made absolute; exit 3 when it is not a file.
# ex_path [--npm]
#     Puts $BUILD/bin first on PATH (exported); with --npm the npm test peers (aimock's
#     llmock, MCP servers) too, from $ART_NPM_BIN, else tests/npm-setup (exit 3 if that
#     fails).
# ex_state DIR NAME
#     Sets state: DIR (created, made absolute, kept at the end) when DIR is not empty, else
#     a new temporary directory ${TMPDIR:-/tmp}/art-NAME.XXXXXX removed at the end; sets
#     keep (1 kept, 0 removed) and cfg=$state/config (created).  Installs the EXIT trap
#     ex_cleanup: stops aimock when ex_aimock started it, removes a temporary state.
# ex_aimock FIXTURES
#     Starts aimock (llmock, needs ex_path --npm) on a free port of 127.0.0.1 replaying
#     FIXTURES, logging to $state/aimock.log, and waits up to 10 s for its /health.
#     Sets port and mock_pid (ex_cleanup stops it).
# ex_config
#     Writes the example's routes.json and policy.json into $cfg: local models get
#     path $model (when ex_model ran), the others the endpoint http://127.0.0.1:$port/v1
#     (when ex_aimock ran); rule packs are taken from $repo/examples/policy.

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$repo/$BUILD ;; esac

ex_help() {
	case ${1:-} in
	-h | --help)
		awk 'NR > 1 { if (!/^#/) exit; sub(/^# ?/, ""); print }' "$0"
		exit 0
		;;
	esac
}

ex_model() {
	SHARED=${SHARED:-$repo/../shared}
	model=${ART_MODEL:-$SHARED/models/stories260K-f32.gguf}
	[ -f "$model" ] || { echo "$prog: no model at $model (set ART_MODEL)" >&2; exit 3; }
	model=$(cd "$(dirname "$model")" && pwd)/$(basename "$model")
}

ex_path() {
	local npm_bin=
	if [ "${1:-}" = --npm ]; then
		npm_bin=${ART_NPM_BIN:-}
		[ -n "$npm_bin" ] || npm_bin=$("$repo/tests/npm-setup") ||
			{ echo "$prog: npm test peers missing" >&2; exit 3; }
		npm_bin=$npm_bin:
	fi
	export PATH="$BUILD/bin:$npm_bin$PATH"
}

ex_state() {
	if [ -n "$1" ]; then
		mkdir -p "$1"
		state=$(cd "$1" && pwd)
		keep=1
	else
		state=$(mktemp -d "${TMPDIR:-/tmp}/art-$2.XXXXXX")
		keep=0
	fi
	mock_pid=
	trap ex_cleanup EXIT
	cfg=$state/config
	mkdir -p "$cfg"
}

ex_cleanup() {
	[ -z "$mock_pid" ] || { kill "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true; }
	[ "$keep" -eq 1 ] || rm -rf "$state"
}

ex_aimock() {
	port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
	llmock -h 127.0.0.1 -p "$port" -f "$1" --log-level silent >"$state/aimock.log" 2>&1 &
	mock_pid=$!
	local _
	for _ in $(seq 100); do
		node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' \
			"http://127.0.0.1:$port/health" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "$prog: aimock gave no answer on 127.0.0.1:$port/health in 10 s (see $state/aimock.log); going on" >&2
}

ex_config() {
	jq --arg port "${port:-}" --arg m "${model:-}" '.models |= map(
		if .provider == "local" then (if $m != "" then .path = $m else . end)
		elif $port != "" then .endpoint = "http://127.0.0.1:\($port)/v1" else . end)' \
		"$here/routes.json" >"$cfg/routes.json"
	jq --arg p "$repo/examples/policy" '.rule_packs |= map($p + "/" + (split("/") | last))' \
		"$here/policy.json" >"$cfg/policy.json"
}
