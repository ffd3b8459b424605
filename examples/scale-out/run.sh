#!/usr/bin/env bash
# examples/scale-out/run.sh [N [JOBS [STATE_DIR]]] — a large batch over several processes:
# N envelopes (default 40, made by scripts/gen-envelopes) are cut by GNU parallel --pipe
# into blocks of $BLOCK lines (default 10), each run by its own `art run` with its own state
# directory (own trace database), JOBS at a time (default 2), answers kept in input order.
# Afterwards the trace databases are merged into one (art-trace replay | art-trace record)
# and summarised with art-trace stats.  The same command line runs on several hosts with
# parallel's --sshlogin, the state directories then living on each host.
set -euo pipefail
prog=scale-out
case ${1:-} in -h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
n=${1:-40}
jobs=${2:-2}
block=${BLOCK:-10}
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$repo/$BUILD ;; esac
SHARED=${SHARED:-$repo/../shared}
model=${ART_MODEL:-$SHARED/models/stories260K-f32.gguf}
[ -f "$model" ] || { echo "$prog: no model at $model (set ART_MODEL)" >&2; exit 3; }
model=$(cd "$(dirname "$model")" && pwd)/$(basename "$model")
command -v parallel >/dev/null || { echo "$prog: GNU parallel is not installed" >&2; exit 3; }
export PATH="$BUILD/bin:$PATH"
if [ -n "${3:-}" ]; then
	mkdir -p "$3"
	state=$(cd "$3" && pwd)
	keep=1
else
	state=$(mktemp -d "${TMPDIR:-/tmp}/art-scale.XXXXXX")
	keep=0
fi
cleanup() { [ "$keep" -eq 1 ] || rm -rf "$state"; }
trap cleanup EXIT
cfg=$state/config
mkdir -p "$cfg"
jq --arg m "$model" '.models |= map(.path = $m)' "$here/routes.json" >"$cfg/routes.json"
jq --arg p "$repo/examples/policy" '.rule_packs |= map($p + "/" + (split("/") | last))' \
	"$here/policy.json" >"$cfg/policy.json"

"$repo/scripts/gen-envelopes" "$n" | jq -c '{art, id, trace, actor, tenant, task, risk, messages, params: {max_tokens: 16, temperature: 0}}' >"$state/in.jsonl"
echo "$prog: $n envelopes, blocks of $block lines, $jobs processes" >&2
rc=0
parallel --pipe -N "$block" -j "$jobs" -k --halt now,fail=1 \
	art run -c "$cfg" -s "$state/job-{#}" -m "$model" --max-tokens 16 '||' '[ $? -eq 1 ]' \
	<"$state/in.jsonl" >"$state/out.jsonl" || rc=$?
[ "$rc" -eq 0 ] || { echo "$prog: a job failed (parallel exit $rc)" >&2; exit 5; }

# merge: replay every job's trace into one database (span ids are derived, so the same)
for db in "$state"/job-*/trace.db; do
	art-trace replay --db "$db" 2>/dev/null
done | art-trace record --db "$state/trace.db" --capture redacted >/dev/null || [ $? -eq 1 ]
echo "answers: $(wc -l <"$state/out.jsonl") for $n envelopes, $(ls -d "$state"/job-* | wc -l) jobs"
jq -r '.status' "$state/out.jsonl" | sort | uniq -c
echo
art-trace stats --db "$state/trace.db"
