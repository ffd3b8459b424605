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
# shellcheck source=examples/lib.sh
. "$(dirname "$0")/../lib.sh"
ex_help "$@"
input=${1:-$here/tickets.jsonl}
[ -r "$input" ] || { echo "$prog: cannot read $input" >&2; exit 4; }
chunk=${CHUNK:-3}
ex_model
ex_path --npm
ex_state "${3:-}" nightly
report=${2:-$state/REPORT.md}
ex_aimock "$here/aimock.json"
ex_config

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
