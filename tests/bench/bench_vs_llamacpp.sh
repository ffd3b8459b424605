#!/usr/bin/env bash
# bench_vs_llamacpp.sh — optional side-by-side: art-bench infer and llama.cpp (the prebuilt
# CPU build npm's node-llama-cpp brings) on the same model-maker files, alternating in one
# run so both see the same machine.  Needs the npm registry once (pinned in
# tests/bench/llamacpp/package-lock.json); without it, says so and skips.
#   ART_BENCH_TYPES="q4_k_m q8_0 f16" THREADS=2 bash tests/bench/bench_vs_llamacpp.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
bin=$BUILD/bin
cache=${ART_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/art/bench}
shape=${ART_BENCH_SHAPE:-tinyllama-1.1b}
types=${ART_BENCH_TYPES:-q4_k_m q8_0 f16}
threads=${THREADS:-2}
dir=tests/bench/llamacpp
if ! command -v node >/dev/null; then echo "bench_vs_llamacpp: skipped: no node" >&2; exit 0; fi
if [ ! -d "$dir/node_modules/node-llama-cpp" ]; then
	if ! (cd "$dir" && npm ci --omit=optional --ignore-scripts --no-audit --no-fund --loglevel=error >&2); then
		echo "bench_vs_llamacpp: skipped: cannot install node-llama-cpp" >&2
		exit 0
	fi
fi
printf '%-28s %6s %12s %12s %7s %12s %12s %7s\n' model thr "art pp128" "llama pp128" ratio "art tg64" "llama tg64" ratio
for t in $types; do
	m="$cache/$shape-$t.gguf"
	if [ ! -s "$m" ]; then echo "bench_vs_llamacpp: $m missing (make bench builds it)" >&2; continue; fi
	a=$("$bin/art-bench" infer -m "$m" -t "$threads" -p 128 -n 64 -r 2 -b "" --bandwidth 1 -j)
	l=$(node "$dir/bench.mjs" "$m" "$threads" 128 64)
	echo "$a" | sed 's/^/# art: /' >&2
	echo "$l" | sed 's/^/# llama.cpp: /' >&2
	app=$(echo "$a" | jq -r 'select(.test == "pp128") | .tok_s')
	atg=$(echo "$a" | jq -r 'select(.test == "tg64") | .tok_s')
	lpp=$(echo "$l" | jq -r .pp_tok_s)
	ltg=$(echo "$l" | jq -r .tg_tok_s)
	awk -v m="${m##*/}" -v t="$threads" -v app="$app" -v lpp="$lpp" -v atg="$atg" -v ltg="$ltg" \
		'BEGIN { printf "%-28s %6s %12s %12s %6.2fx %12s %12s %6.2fx\n", m, t, app, lpp, app / lpp, atg, ltg, atg / ltg }'
done
