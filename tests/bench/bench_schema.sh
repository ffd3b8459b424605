#!/usr/bin/env bash
# bench_schema.sh — JSON Schema validation vs JSON parsing on 100,000 envelope lines.
# Target: validating (compiled schemas/envelope.schema.json, fast path) takes less time
# than cJSON parsing the same lines.  Prints both, and their ratio.
#   N=100000 BUILD=build bash tests/bench/bench_schema.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
N=${N:-100000}
bin=$BUILD/bin/art-validate
schema=schemas/envelope.schema.json
[ -x "$bin" ] || { echo "bench_schema: $bin not built (make first)" >&2; exit 1; }
[ -f "$schema" ] || { echo "bench_schema: $schema missing" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
scripts/gen-envelopes "$N" >"$tmp/env.jsonl"
bytes=$(wc -c <"$tmp/env.jsonl")
ratios=""
for run in 1 2 3; do
	"$bin" --stats "$schema" <"$tmp/env.jsonl" >"$tmp/out" 2>"$tmp/stats" || {
		echo "bench_schema: art-validate failed:" >&2
		cat "$tmp/stats" >&2
		head -3 "$tmp/out" >&2
		exit 1
	}
	tail -1 "$tmp/stats" >>"$tmp/runs"
done
# the median run by validate/parse ratio
bestline=$(sed -n 's/.*validate\/parse \([0-9.]*\).*/\1 &/p' "$tmp/runs" | sort -n | sed -n 2p | cut -d' ' -f2-)
best=$(sed -n 's/.*validate\/parse \([0-9.]*\).*/\1/p' <<<"$bestline")
ratios=$(sed -n 's/.*validate\/parse \([0-9.]*\).*/\1/p' "$tmp/runs" | paste -sd' ')
valid=$(grep -c '^{"valid":true}$' "$tmp/out" || true)
parse=$(sed -n 's/.*parse \([0-9.]*\) s,.*/\1/p' <<<"$bestline")
validate=$(sed -n 's/.*validate \([0-9.]*\) s,.*/\1/p' <<<"$bestline")
echo "bench_schema: $N envelope lines ($bytes bytes), $valid valid; median of 3 runs (ratios: $ratios)"
echo "bench_schema: parse    ${parse} s  ($(awk -v t="$parse" -v n="$N" 'BEGIN { printf "%.2f", t * 1e6 / n }') us/line)"
echo "bench_schema: validate ${validate} s  ($(awk -v t="$validate" -v n="$N" 'BEGIN { printf "%.2f", t * 1e6 / n }') us/line)"
echo "bench_schema: validate/parse ratio $best (target < 1)"
if [ "$valid" -ne "$N" ]; then
	echo "bench_schema: FAIL: $((N - valid)) generated envelopes did not validate" >&2
	exit 1
fi
if awk -v r="$best" 'BEGIN { exit !(r < 1) }'; then
	echo "bench_schema: PASS: validation is faster than parsing"
else
	echo "bench_schema: MISS: validation is slower than parsing"
fi
