#!/usr/bin/env bash
# examples/support/run.sh [STATE_DIR] — the support assistant end to end, offline:
# FAQ questions answered by the local GGUF model with memory recall, and ticket look-ups
# by an agent model on an OpenAI-compatible endpoint (aimock) that calls an exec tool and
# an MCP tool.  Prints the answers, then a trace summary.  STATE_DIR keeps the databases
# (default: a temporary directory, removed at the end).
# Needs: art's build/bin on PATH (or BUILD), the model ($ART_MODEL, else
# $SHARED/models/stories260K-f32.gguf) and the npm test peers (tests/npm-setup).
set -euo pipefail
prog=support
case ${1:-} in -h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$repo/$BUILD ;; esac
SHARED=${SHARED:-$repo/../shared}
model=${ART_MODEL:-$SHARED/models/stories260K-f32.gguf}
[ -f "$model" ] || { echo "$prog: no model at $model (set ART_MODEL)" >&2; exit 3; }
model=$(cd "$(dirname "$model")" && pwd)/$(basename "$model")
npm_bin=${ART_NPM_BIN:-}
[ -n "$npm_bin" ] || npm_bin=$("$repo/tests/npm-setup") || { echo "$prog: npm test peers missing" >&2; exit 3; }
export PATH="$BUILD/bin:$npm_bin:$PATH"

if [ -n "${1:-}" ]; then
	state=$1
	mkdir -p "$state"
	state=$(cd "$state" && pwd)
	keep=1
else
	state=$(mktemp -d "${TMPDIR:-/tmp}/art-support.XXXXXX")
	keep=0
fi
mock_pid=
cleanup() {
	[ -z "$mock_pid" ] || { kill "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true; }
	[ "$keep" -eq 1 ] || rm -rf "$state"
}
trap cleanup EXIT

# aimock on a free port; the config is copied with that port and the model's path.
port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
llmock -h 127.0.0.1 -p "$port" -f "$here/aimock.json" --log-level silent >"$state/aimock.log" 2>&1 &
mock_pid=$!
for _ in $(seq 100); do
	node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' \
		"http://127.0.0.1:$port/health" 2>/dev/null && break
	sleep 0.1
done
cfg=$state/config
mkdir -p "$cfg"
cp -R "$here/policy.json" "$here/tools.json" "$here/tickets.jsonl" "$here/bin" "$here/memory" "$cfg/"
jq --arg port "$port" --arg model "$model" '
	.models |= map(if .provider == "local" then .path = $model
		else .endpoint = "http://127.0.0.1:\($port)/v1" end)' "$here/routes.json" >"$cfg/routes.json"
jq --arg p "$repo/examples/policy" '.rule_packs |= map($p + "/" + (split("/") | last))' \
	"$here/policy.json" >"$cfg/policy.json"

echo "$prog: model $model, agent endpoint 127.0.0.1:$port, state $state" >&2
{
	art new --lines --tenant acme --actor alice --scope kb:read --authority kb:read \
		--task support.answer --deadline 5m --max-tokens 48 --id faq <"$here/questions.txt"
	art new --lines --tenant acme --actor bob --scope kb:read --scope tickets:read --scope tools:echo \
		--authority kb:read --authority tickets:read --authority tools:echo \
		--task support.lookup --deadline 5m --id lookup <"$here/lookups.txt"
} >"$state/in.jsonl"
rc=0
art run -c "$cfg" -s "$state" -m "$model" <"$state/in.jsonl" >"$state/out.jsonl" || rc=$?
art show <"$state/out.jsonl"
echo
echo "== trace summary (art-trace stats)"
art-trace stats --db "$state/trace.db"
echo
echo "== one request (art-trace show lookup-1)"
art-trace show --db "$state/trace.db" lookup-1
exit "$rc"
