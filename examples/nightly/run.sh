#!/usr/bin/env bash
# examples/nightly/run.sh [INPUT.jsonl [REPORT.md [STATE_DIR]]] — the nightly batch job:
# summarise every line of a JSON-lines file ({"ticket","text"}; default tickets.jsonl)
# through art run, in chunks of $CHUNK lines (default 3) so that the tenant's daily budget
# (routes.json: 0.2 USD) is checked against real spend between chunks: the priced hosted
# model (aimock) while the budget lasts, then the free local model.  Writes a report
# (default REPORT.md in the state directory) and prints it.  Meant for cron, e.g.
#   15 2 * * *  cd /srv/art && examples/nightly/run.sh /data/tickets-$(date +\%F).jsonl
set -euo pipefail
prog=nightly
case ${1:-} in -h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
input=${1:-$here/tickets.jsonl}
[ -r "$input" ] || { echo "$prog: cannot read $input" >&2; exit 4; }
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$repo/$BUILD ;; esac
SHARED=${SHARED:-$repo/../shared}
chunk=${CHUNK:-3}
model=${ART_MODEL:-$SHARED/models/stories260K-f32.gguf}
[ -f "$model" ] || { echo "$prog: no model at $model (set ART_MODEL)" >&2; exit 3; }
model=$(cd "$(dirname "$model")" && pwd)/$(basename "$model")
npm_bin=${ART_NPM_BIN:-}
[ -n "$npm_bin" ] || npm_bin=$("$repo/tests/npm-setup") || { echo "$prog: npm test peers missing" >&2; exit 3; }
export PATH="$BUILD/bin:$npm_bin:$PATH"
if [ -n "${3:-}" ]; then
	mkdir -p "$3"
	state=$(cd "$3" && pwd)
	keep=1
else
	state=$(mktemp -d "${TMPDIR:-/tmp}/art-nightly.XXXXXX")
	keep=0
fi
report=${2:-$state/REPORT.md}
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

# one envelope per input line: a bad line is still one envelope (an error in the report)
day=$(date -u +%F)
jq -R -c --arg day "$day" '(try fromjson catch null) as $t |
	if ($t | type) == "object" and ($t.ticket | type) == "string" and ($t.text | type) == "string" then
		{art: 1, id: "nightly-\($day)-\($t.ticket)", tenant: "acme", actor: {id: "cron"},
		 task: "batch.summarize", params: {max_tokens: 32, temperature: 0},
		 messages: [{role: "system", content: "Summarise the support ticket in one sentence."},
			{role: "user", content: $t.text}]}
	else {art: 1, id: "nightly-\($day)-line\(input_line_number)", status: "error",
		error: {code: "bad_input", stage: "nightly", message: "input line is not {ticket, text}"}} end' \
	"$input" >"$state/in.jsonl"
split -l "$chunk" -d -a 4 "$state/in.jsonl" "$state/chunk."
: >"$state/out.jsonl"
rc=0
for c in "$state"/chunk.*; do
	art run -c "$cfg" -s "$state" -m "$model" <"$c" >>"$state/out.jsonl" || { r=$?; [ "$r" -eq 1 ] || exit "$r"; rc=1; }
done

jq -s -r --arg day "$day" --arg input "$input" --slurpfile routes "$cfg/routes.json" '
	($routes[0].tenants.acme.budget) as $b |
	(map(.output.cost.amount // 0) | add) as $spent |
	"# Nightly summary \($day)\n",
	"input: \($input)  ",
	"lines: \(length), done: \(map(select(.status == "done")) | length), errors: \(map(select(.status == "error")) | length)  ",
	"spend: \($spent * 1000 | round / 1000) \($b.currency) of a daily budget of \($b.amount) \($b.currency)  ",
	"models: \(group_by(.route.model) | map("\(.[0].route.model // "none") \(length)") | join(", "))\n",
	"| request | model | cost | summary |", "|---|---|---|---|",
	(.[] | "| \(.id) | \(.route.model // "-") | \(.output.cost.amount // 0 | . * 1000 | round / 1000) | \((.output.text // ("error: " + (.error.code // "?"))) | gsub("[\n|]"; " ") | .[0:80]) |")
	' "$state/out.jsonl" >"$report"
cat "$report"
exit "$rc"
