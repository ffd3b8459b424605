#!/usr/bin/env bash
# bench_infer.sh — local inference speed against the machine's bandwidth ceiling.
# Builds TinyLlama-1.1B-shaped random-weight models with art-gguf (cached outside the
# repo in $ART_BENCH_CACHE, default ~/.cache/art/bench), then per type: the bandwidth
# probe, pp128/pp512/tg64 at the default thread count, thread scaling, load time, RSS.
# ART_BENCH_TYPES="q4_k_m q8_0 f16" and ART_BENCH_SHAPE override what is measured.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
SHARED=${SHARED:-../shared}
bin=$BUILD/bin
cache=${ART_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/art/bench}
shape=${ART_BENCH_SHAPE:-tinyllama-1.1b}
types=${ART_BENCH_TYPES:-q4_k_m q8_0 f16}
mkdir -p "$cache"
out=${ART_BENCH_OUT:-$BUILD/bench-infer.jsonl}
: >"$out"
for t in $types; do
	m="$cache/$shape-$t.gguf"
	if [ ! -s "$m" ]; then
		echo "bench_infer: making $m (once; cached)" >&2
		"$bin/art-gguf" make --shape "$shape" --type "$t" --tokenizer "$SHARED/tokenizers/ggml-vocab-llama-spm.gguf" -o "$m.tmp"
		mv "$m.tmp" "$m"
	fi
	nproc_=$(nproc)
	scale=1
	k=2
	while [ "$k" -le "$nproc_" ]; do scale="$scale,$k"; k=$((k * 2)); done
	"$bin/art-bench" infer -m "$m" -p 128 -n 64 -r 2 --scaling "$scale" -j | tee -a "$out"
	"$bin/art-bench" infer -m "$m" -p 512 -n 0 -r 1 -j | tee -a "$out"
done
echo "bench_infer: results in $out" >&2
# the table for people
jq -r 'select(.bench == "infer") | [.model, .test, .threads, (.tok_s | tostring), ((.ceiling_share // 0) * 100 | floor | tostring) + "%", (.gbps | tostring) + " GB/s"] | @tsv' "$out" | column -t
