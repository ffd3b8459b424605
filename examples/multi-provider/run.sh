#!/usr/bin/env bash
# examples/multi-provider/run.sh [STATE_DIR] — a local model and an OpenAI-compatible
# endpoint (aimock) falling back to each other:
#   story-1  short story prompt: the local model answers (first choice);
#   story-2  a prompt the router thought would fit, but that overflows the local model's
#            512-token context: art-infer fails (context_overflow), the endpoint answers;
#   chat-1   the endpoint answers (first choice for chat);
#   chat-2   the endpoint fails (503, retried): the local model answers.
set -euo pipefail
prog=multi-provider
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
	mkdir -p "$1"
	state=$(cd "$1" && pwd)
	keep=1
else
	state=$(mktemp -d "${TMPDIR:-/tmp}/art-multi.XXXXXX")
	keep=0
fi
mock_pid=
cleanup() {
	[ -z "$mock_pid" ] || { kill "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true; }
	[ "$keep" -eq 1 ] || rm -rf "$state"
}
trap cleanup EXIT
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
jq --arg port "$port" --arg m "$model" '.models |= map(if .provider == "local" then .path = $m
	else .endpoint = "http://127.0.0.1:\($port)/v1" end)' "$here/routes.json" >"$cfg/routes.json"
jq --arg p "$repo/examples/policy" '.rule_packs |= map($p + "/" + (split("/") | last))' \
	"$here/policy.json" >"$cfg/policy.json"

# a prompt of about 1,500 bytes in words the story tokenizer cuts finely: over 512 tokens
long="Write a story about $(printf 'zyxquorp blimfax %.0s' $(seq 45))and a dragon."
common=(--tenant acme --actor ann --deadline 2m --max-tokens 40)
{
	art new --id story-1 "${common[@]}" --task story.write "Once upon a time there was a little fox"
	art new --id story-2 "${common[@]}" --task story.write "$long"
	art new --id chat-1 "${common[@]}" --task chat.answer "What is the capital of France?"
	art new --id chat-2 "${common[@]}" --task chat.answer "Is there an outage right now?"
} >"$state/in.jsonl"
rc=0
art run -c "$cfg" -s "$state" -m "$model" <"$state/in.jsonl" >"$state/out.jsonl" || rc=$?
jq -r '"\(.id)  \(.status)  answered by \(.output.provider // "-")/\(.route.model // "-")" +
	(if any(.events[]?; .name == "fallback") then
		"  (fallback after \([.events[] | select(.name == "fallback") | .attrs["error.type"]] | join(", ")))"
	 else "" end) + "\n  " + ((.output.text // .error.message // "") | gsub("\n"; " ") | .[0:100])' "$state/out.jsonl"
echo
art-trace stats --db "$state/trace.db"
exit "$rc"
