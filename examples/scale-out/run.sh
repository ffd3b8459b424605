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
# shellcheck source=examples/lib.sh
. "$(dirname "$0")/../lib.sh"
ex_help "$@"
n=${1:-40}
jobs=${2:-2}
block=${BLOCK:-10}
ex_model
command -v parallel >/dev/null || { echo "$prog: GNU parallel is not installed" >&2; exit 3; }
ex_path
ex_state "${3:-}" scale
ex_config

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
