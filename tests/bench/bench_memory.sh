#!/usr/bin/env bash
# bench_memory.sh — art-memory recall latency over 100,000 stored chunks (target: mean
# < 5 ms per envelope).  Generates a synthetic Zipf corpus (tests/bench/memgen.awk),
# ingests it as 100,000+ chunks, recalls 1000 questions drawn from it, and prints the
# mean in-process recall time per envelope (from the recall events) and the process's
# wall and CPU time per envelope.  Measured, never asserted.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
bin=$PWD/$BUILD/bin
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
paras=${MEMBENCH_PARAS:-104000}
awk -v paras="$paras" -v qevery=104 -v qfile="$tmp/q.txt" -f tests/bench/memgen.awk > "$tmp/corpus.txt"
t0=$(date +%s.%N)
"$bin/art-memory" ingest -q --db "$tmp/m.db" --tenant bench "$tmp/corpus.txt"
# a second tenant whose items must never show up
head -c 2000000 "$tmp/corpus.txt" | "$bin/art-memory" ingest -q --db "$tmp/m.db" --tenant other -
t1=$(date +%s.%N)
chunks=$("$bin/art-memory" export --db "$tmp/m.db" --tenant bench | wc -l)
"$bin/art" new --lines --tenant bench < "$tmp/q.txt" > "$tmp/q.jsonl"
n=$(wc -l < "$tmp/q.jsonl")
# warm the page cache once, then measure
"$bin/art-memory" recall --db "$tmp/m.db" < "$tmp/q.jsonl" > /dev/null
TIMEFORMAT='%R %U %S'
times=$( { time "$bin/art-memory" recall --db "$tmp/m.db" < "$tmp/q.jsonl" > "$tmp/out.jsonl"; } 2>&1 )
read -r wall user sys <<< "$times"
mean=$(jq -s '[.[] | .events[-1] | (.end_us - .start_us)] | add / length / 1000' "$tmp/out.jsonl")
p99=$(jq -s '[.[] | .events[-1] | (.end_us - .start_us)] | sort | .[(length * 0.99 | floor)] / 1000' "$tmp/out.jsonl")
hits=$(jq -s '[.[] | .context // [] | length] | add / length' "$tmp/out.jsonl")
jq -r '.context[]?.id' "$tmp/out.jsonl" | sort -u > "$tmp/got.ids"
"$bin/art-memory" export --db "$tmp/m.db" --tenant other | jq -r .id | sort -u > "$tmp/other.ids"
leak=$(comm -12 "$tmp/got.ids" "$tmp/other.ids" | wc -l)
calc() { awk "BEGIN { print $1 }"; }
printf 'art-memory bench: %s chunks of tenant bench (ingest %.1f s incl. 2 MB of tenant other)\n' "$chunks" "$(calc "$t1 - $t0")"
printf 'art-memory recall: %d envelopes, mean %.3f ms per envelope in-process (p99 %.3f ms), %.2f hits each\n' "$n" "$mean" "$p99" "$hits"
printf 'art-memory recall: process wall %.3f ms, cpu %.3f ms per envelope (load average %s)\n' \
	"$(calc "$wall * 1000 / $n")" "$(calc "($user + $sys) * 1000 / $n")" "$(cut -d' ' -f1 /proc/loadavg)"
echo "art-memory recall: $(wc -l < "$tmp/got.ids") distinct items recalled, $leak of them from tenant other (must be 0)"
